// E2E client: our Node binding alone — no driver. `getCredentials()` resolves the credentials (the
// environment, through the provider chain), `ClientConversation` makes client-first and client-final,
// and OP_MSG is written by hand over node:net with the `bson` package (the driver's own dependency,
// in bindings-node/node_modules).
//
// Usage: node ours_node_client.cjs URI
// Prints one JSON line: {"ok": true, "user": ..., "arn": ...} or {"ok": false, "code": N, "error": ...};
// exit status 0 when authenticated, 1 when authentication failed, 2 on anything else.
'use strict'

const net = require('node:net')
const path = require('node:path')
const { createRequire } = require('node:module')

const pkg = path.resolve(__dirname, '..', '..', '..', 'bindings-node')
const fromPkg = createRequire(path.join(pkg, 'package.json'))
const BSON = fromPkg('bson')
const mongodbAws = fromPkg(pkg)

const OP_MSG = 2013

/** One connection speaking OP_MSG: `command(doc)` resolves with the reply document. */
class Wire {
  constructor(port) {
    this.socket = net.connect({ host: '127.0.0.1', port })
    this.socket.setTimeout(10000, () => this.socket.destroy(new Error('timed out')))
    this.buffer = Buffer.alloc(0)
    this.waiting = null
    this.requestId = 0
    this.socket.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d])
      this.deliver()
    })
    this.socket.on('error', (e) => this.waiting?.reject(e))
  }

  deliver() {
    if (!this.waiting || this.buffer.length < 4) return
    const length = this.buffer.readInt32LE(0)
    if (this.buffer.length < length) return
    const msg = this.buffer.subarray(0, length)
    this.buffer = this.buffer.subarray(length)
    const { resolve, reject } = this.waiting
    this.waiting = null
    if (msg.readInt32LE(12) !== OP_MSG || msg[20] !== 0) return reject(new Error('not an OP_MSG body'))
    resolve(BSON.deserialize(msg.subarray(21)))
  }

  command(doc) {
    const body = BSON.serialize(doc)
    const header = Buffer.alloc(21)
    header.writeInt32LE(21 + body.length, 0)
    header.writeInt32LE(++this.requestId, 4)
    header.writeInt32LE(0, 8)
    header.writeInt32LE(OP_MSG, 12)
    header.writeUInt32LE(0, 16) // flags
    header[20] = 0 // section kind 0: the body
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject }
      this.socket.write(Buffer.concat([header, body]))
      this.deliver()
    })
  }

  close() {
    this.socket.end()
  }
}

function refused(reply) {
  console.log(JSON.stringify({ ok: false, code: reply.code, error: String(reply.errmsg ?? '') }))
  return 1
}

async function main() {
  const port = Number(new URL(process.argv[2]).port)
  const creds = await mongodbAws.getCredentials()
  const conv = new mongodbAws.ClientConversation()
  const wire = new Wire(port)
  try {
    const hello = await wire.command({ hello: 1, $db: 'admin' })
    if (hello.ok !== 1) throw new Error(`hello failed: ${JSON.stringify(hello)}`)
    const start = await wire.command({
      saslStart: 1,
      mechanism: 'MONGODB-AWS',
      payload: new BSON.Binary(conv.clientFirst()),
      $db: '$external',
    })
    if (start.ok !== 1) return refused(start)
    const serverFirst = start.payload.buffer.subarray(0, start.payload.position) // a BSON.Binary
    const final = conv.finish(serverFirst, creds)
    const cont = await wire.command({
      saslContinue: 1,
      conversationId: start.conversationId,
      payload: new BSON.Binary(final),
      $db: '$external',
    })
    if (cont.ok !== 1) return refused(cont)
    if (cont.done !== true) throw new Error(`saslContinue did not finish: ${JSON.stringify(cont)}`)
    const status = await wire.command({ connectionStatus: 1, $db: 'admin' })
    const user = status.authInfo.authenticatedUsers[0]
    const found = await wire.command({ find: 'e2e', limit: 1, $db: 'test' })
    const doc = found.cursor.firstBatch[0]
    console.log(JSON.stringify({ ok: true, user: user.user, db: user.db, arn: doc.arn }))
    return 0
  } finally {
    wire.close()
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e)
    process.exit(2)
  },
)
