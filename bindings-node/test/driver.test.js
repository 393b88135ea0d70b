'use strict'
// The official MongoDB Node driver (mongodb 7.x, with @aws-sdk/credential-providers installed as it
// requires for MONGODB-AWS) authenticating with our credentialProvider() as its
// AWS_CREDENTIAL_PROVIDER against the project's test server `mongodb-aws serve` with its in-process
// verifying STS. Also our own ClientConversation driving the same server through the driver's
// connection, and the clean failure with a wrong secret.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { MongoClient } = require('mongodb')
const { ROOT, spawnWithInfo } = require('./helpers.js')
const m = require('..')

function serverBinary() {
  if (process.env.MONGODB_AWS_BIN) return process.env.MONGODB_AWS_BIN
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target')
  return path.join(target, 'debug', 'mongodb-aws')
}

const BIN = serverBinary()
const HAVE_BIN = fs.existsSync(BIN)
// The stage (scripts/test.d/40-node) builds the server and sets MONGODB_AWS_E2E=1: then a missing
// binary is a failure, not a skip.
const skip = !HAVE_BIN && process.env.MONGODB_AWS_E2E !== '1' ? `no ${BIN}: cargo build -p mongodb-aws-cli` : false

const USER = { id: 'AKIDNODEDRIVER01', secret: 'nodeDriverSecret/0123456789abcdefghijABCDEF', arn: 'arn:aws:iam::123456789012:user/node-driver' }
const ROLE = {
  id: 'ASIANODEDRIVER02',
  secret: 'roleSecret/zyxwvutsrqponmlkjihgfedcba0123456789',
  token: 'IQoJb3JpZ2luX2VjEXAMPLEnodeDriverSessionToken//+/=',
  arn: 'arn:aws:sts::123456789012:assumed-role/node-role/session-1',
}

/** Starts `mongodb-aws serve`; it stops when our end of its stdin closes. */
async function startServer(args) {
  const { child, info } = await spawnWithInfo('mongodb-aws serve', BIN, ['serve', '--port', '0', '--in-process-sts', '--quiet', ...args])
  return { ...info, stop: () => (child.stdin.end(), child.kill()) }
}

let server
test.before(async () => {
  if (skip) return
  server = await startServer([
    '--user', `${USER.id}:${USER.secret}=${USER.arn}`,
    '--user', `${ROLE.id}:${ROLE.secret}:${ROLE.token}=${ROLE.arn}`,
  ])
})
test.after(() => server?.stop())
test.beforeEach(() => m.clearCredentialCache())

function client(provider, extra = {}) {
  return new MongoClient(server.uri, {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    authMechanismProperties: { AWS_CREDENTIAL_PROVIDER: provider },
    ...extra,
  })
}

async function whoAmI(c) {
  await c.connect()
  const status = await c.db('admin').command({ connectionStatus: 1 })
  const doc = await c.db('test').collection('c').findOne({})
  return { users: status.authInfo.authenticatedUsers, doc }
}

test('driver + credentialProvider() (environment credentials) authenticates as the right ARN', { skip }, async () => {
  let calls = 0
  const inner = m.credentialProvider({ env: { AWS_ACCESS_KEY_ID: USER.id, AWS_SECRET_ACCESS_KEY: USER.secret } })
  const provider = async () => {
    calls++
    return inner()
  }
  const c = client(provider)
  try {
    const { users, doc } = await whoAmI(c)
    assert.deepEqual(users, [{ user: USER.arn, db: '$external' }])
    assert.equal(doc.arn, USER.arn)
    assert.equal(doc.user, USER.arn)
    assert.ok(calls >= 1, 'the driver asked our provider')
  } finally {
    await c.close()
  }
})

test('driver + credentialProvider() with a session token: assumed-role user name', { skip }, async () => {
  const c = client(m.credentialProvider({ env: { AWS_ACCESS_KEY_ID: ROLE.id, AWS_SECRET_ACCESS_KEY: ROLE.secret, AWS_SESSION_TOKEN: ROLE.token } }))
  try {
    const { users, doc } = await whoAmI(c)
    // The server maps arn:aws:sts::ACCT:assumed-role/ROLE/SESSION to .../ROLE/* (PROTOCOL.md A5).
    assert.deepEqual(users, [{ user: 'arn:aws:sts::123456789012:assumed-role/node-role/*', db: '$external' }])
    assert.equal(doc.arn, ROLE.arn)
  } finally {
    await c.close()
  }
})

test('driver + credentialProvider(): a wrong secret fails cleanly with an authentication error', { skip }, async () => {
  const c = client(m.credentialProvider({ env: { AWS_ACCESS_KEY_ID: USER.id, AWS_SECRET_ACCESS_KEY: 'wrongSecret/0000000000000000000000000000' } }))
  try {
    const err = await c.connect().then(
      () => null,
      (e) => e,
    )
    assert.ok(err, 'connect must fail')
    assert.equal(err.name, 'MongoServerError', err.stack)
    assert.equal(err.code, 18)
    assert.equal(err.codeName, 'AuthenticationFailed')
    assert.match(err.message, /SignatureDoesNotMatch/)
    assert.doesNotMatch(`${err.message} ${err.stack}`, /wrongSecret/, 'no secret in the error')
  } finally {
    await c.close()
  }
})

test('cached endpoint credentials that fail authentication are cleared (clearCacheOnAuthFailure) and refetched', { skip }, async () => {
  // An ECS endpoint stand-in: first a set with a wrong secret, then the right one.
  const http = require('node:http')
  let served = 0
  const ecs = http.createServer((req, res) => {
    served++
    const exp = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const secret = served === 1 ? 'rotatedAwaySecret/00000000000000000000000' : USER.secret
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ AccessKeyId: USER.id, SecretAccessKey: secret, Expiration: exp, RoleArn: 'arn:aws:iam::123456789012:role/task' }))
  })
  await new Promise((r) => ecs.listen(0, '127.0.0.1', r))
  const env = { MONGODB_AWS_ECS_ENDPOINT: `http://127.0.0.1:${ecs.address().port}`, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/t' }
  const c1 = client(m.credentialProvider({ env }))
  const stop = m.clearCacheOnAuthFailure(c1)
  try {
    const err = await c1.connect().then(() => null, (e) => e)
    assert.equal(err?.code, 18, String(err))
    // The hook added the runtime's diagnosis to the very error connect() rejected with: the
    // source, the key, and the $external user of the task role's sessions (from its RoleArn).
    assert.match(
      err.message,
      /; MONGODB-AWS: credentials from ecs \(access key id AKIDNODEDRIVER01\); the server looks up the \$external user arn:aws:sts::123456789012:assumed-role\/task\/\* \(every session of the role arn:aws:iam::123456789012:role\/task\)/,
    )
    assert.ok(!err.message.includes('rotatedAwaySecret'))
    assert.equal(served, 1)
    assert.equal(m.cachedCredentials(), undefined, 'the failed set left the cache')
    await c1.close()
    const c2 = client(m.credentialProvider({ env }))
    try {
      const { users } = await whoAmI(c2)
      assert.deepEqual(users, [{ user: USER.arn, db: '$external' }])
      assert.equal(served, 2)
      assert.equal(m.cachedCredentials().source, 'ecs')
    } finally {
      await c2.close()
    }
  } finally {
    stop()
    await c1.close()
    ecs.close()
  }
})

test('our ClientConversation drives saslStart/saslContinue through a driver connection', { skip }, async () => {
  // Authenticate a first client, then run a second conversation by hand on its connection: the
  // server accepts a fresh saslStart on an authenticated connection (as MongoDB does).
  const c = client(m.credentialProvider({ env: { AWS_ACCESS_KEY_ID: USER.id, AWS_SECRET_ACCESS_KEY: USER.secret } }))
  try {
    await c.connect()
    const db = c.db('$external')
    const conv = new m.ClientConversation()
    const start = await db.command({ saslStart: 1, mechanism: 'MONGODB-AWS', payload: conv.clientFirst() })
    assert.equal(start.done, false)
    const sf = Buffer.from(start.payload.buffer)
    assert.equal(conv.parseServerFirst(sf).host, server.sts_host)
    const creds = new m.Credentials(USER.id, USER.secret)
    const cont = await db.command({ saslContinue: 1, conversationId: start.conversationId, payload: conv.finish(sf, creds) })
    assert.equal(cont.ok, 1)
    // A wrong secret through the same path is refused by the server.
    const conv2 = new m.ClientConversation()
    const start2 = await db.command({ saslStart: 1, mechanism: 'MONGODB-AWS', payload: conv2.clientFirst() })
    const bad = new m.Credentials(USER.id, 'wrongSecret/0000000000000000000000000000')
    await assert.rejects(
      db.command({ saslContinue: 1, conversationId: start2.conversationId, payload: conv2.finish(Buffer.from(start2.payload.buffer), bad) }),
      (e) => /auth/i.test(e.message) || e.codeName === 'AuthenticationFailed',
    )
  } finally {
    await c.close()
  }
})
