// E2E client: the official Node driver (`mongodb` 7.x from npm, bindings-node's devDependency) with
// this project's Node binding as its AWS_CREDENTIAL_PROVIDER: `credentialProvider()` resolves the
// credentials from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
//
// Usage: node node_client.cjs URI
// Prints one JSON line: {"ok": true, "user": ..., "arn": ...} or {"ok": false, "code": N, "error": ...};
// exit status 0 when authenticated, 1 when authentication failed, 2 on anything else.
'use strict'

const path = require('node:path')
const { createRequire } = require('node:module')

const pkg = path.resolve(__dirname, '..', '..', '..', 'bindings-node')
const fromPkg = createRequire(path.join(pkg, 'package.json'))

async function main() {
  const { MongoClient, MongoServerError } = fromPkg('mongodb')
  const mongodbAws = fromPkg(pkg)
  let calls = 0
  const inner = mongodbAws.credentialProvider()
  const provider = async () => {
    calls++
    return inner()
  }
  const client = new MongoClient(process.argv[2], {
    authMechanismProperties: { AWS_CREDENTIAL_PROVIDER: provider },
  })
  try {
    await client.connect()
    const status = await client.db('admin').command({ connectionStatus: 1 })
    const users = status.authInfo.authenticatedUsers
    const doc = await client.db('test').collection('e2e').findOne({})
    if (calls === 0) throw new Error('the driver never called our credential provider')
    console.log(JSON.stringify({ ok: true, user: users[0].user, db: users[0].db, arn: doc.arn }))
    return 0
  } catch (e) {
    // An authentication failure reaches the application as the server's error (18,
    // AuthenticationFailed), possibly as the cause of a connection error.
    const server = e instanceof MongoServerError ? e : e?.cause instanceof MongoServerError ? e.cause : null
    if (server && typeof server.code === 'number') {
      console.log(JSON.stringify({ ok: false, code: server.code, error: String(server.message) }))
      return 1
    }
    console.error(e)
    return 2
  } finally {
    await client.close()
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e)
    process.exit(2)
  },
)
