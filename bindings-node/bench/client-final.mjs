// Benchmark: one MONGODB-AWS client-final (validate server-first, sign GetCallerIdentity, encode
// client-final BSON) with mongodb-aws against aws4 (as the mongodb 6.x driver uses it), the mongodb
// 7.x driver's own signer, and @smithy/signature-v4 — all in the same process and run.
//
//   npm run build && node bench/client-final.mjs [--seconds 1] [--json]
//
// Every peer computes the same bytes (checked before timing) from the same inputs: session token,
// fixed clock, nonce and host. For the peers the server-first is BSON-decoded and the client-final
// BSON-encoded with the driver's bson library, as a driver does.
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'

const require = createRequire(import.meta.url)
const m = require('mongodb-aws')
const aws4 = require('aws4')
const { SignatureV4 } = require('@smithy/signature-v4')
const { Sha256 } = require('@aws-crypto/sha256-js')
const { BSON } = require('mongodb')
const { aws4Sign: driverSign } = require('mongodb/lib/cmap/auth/aws4')

const args = process.argv.slice(2)
const seconds = Number(args[args.indexOf('--seconds') + 1] || 0) || 1
const asJson = args.includes('--json')

// Inputs: the shared vector's credentials (with the AWS test-suite session token) and nonces.
const creds = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken:
    'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==',
}
const nonce = Buffer.from(Array.from({ length: 32 }, (_, i) => i))
const serverNonce = Buffer.from(Array.from({ length: 64 }, (_, i) => i))
const host = 'sts.amazonaws.com'
const serverFirst = Buffer.from(BSON.serialize({ s: new BSON.Binary(serverNonce, 0), h: host }))
const now = new Date('2015-08-30T12:36:00Z')
const BODY = 'Action=GetCallerIdentity&Version=2011-06-15'
const bsonOptions = { promoteBuffers: false }

function peerHeaders(sf) {
  return {
    'Content-Type': 'application/x-www-form-urlencoded',
    'Content-Length': BODY.length,
    'X-MongoDB-Server-Nonce': Buffer.from(sf.s.buffer).toString('base64'),
    'X-MongoDB-GS2-CB-Flag': 'n',
  }
}
function driverRegion(h) {
  const parts = h.split('.')
  return parts.length === 1 || parts[1] === 'amazonaws' ? 'us-east-1' : parts[1]
}
function peerServerFirst() {
  const sf = BSON.deserialize(serverFirst, bsonOptions)
  const s = sf.s.buffer
  if (s.length !== 64 || !Buffer.from(s.subarray(0, 32)).equals(nonce)) throw new Error('bad nonce')
  if (sf.h.length < 1 || sf.h.length > 255 || sf.h.includes('..')) throw new Error('bad host')
  return sf
}

// --- the contestants -------------------------------------------------------------------------
const conv = new m.ClientConversation(nonce)
const ourCreds = new m.Credentials(creds)

const ours = () => conv.finish(serverFirst, ourCreds, { now })
const oursPlain = () => conv.finish(serverFirst, creds, { now })
const oursFresh = () => conv.finish(serverFirst, { ...creds }, { now })

function viaAws4() {
  const sf = peerServerFirst()
  const headers = peerHeaders(sf)
  headers['X-Amz-Date'] = '20150830T123600Z' // aws4 would read the clock; fixed here to compare bytes
  const signed = aws4.sign(
    { method: 'POST', host: sf.h, region: driverRegion(sf.h), service: 'sts', headers, path: '/', body: BODY },
    creds,
  )
  return Buffer.from(BSON.serialize({ a: signed.headers.Authorization, d: signed.headers['X-Amz-Date'], t: creds.sessionToken }))
}

async function viaDriver() {
  const sf = peerServerFirst()
  const h = await driverSign(
    { method: 'POST', host: sf.h, region: driverRegion(sf.h), service: 'sts', headers: peerHeaders(sf), path: '/', body: BODY, date: now },
    creds,
  )
  return Buffer.from(BSON.serialize({ a: h.Authorization, d: h['X-Amz-Date'], t: creds.sessionToken }))
}

const smithy = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 'sts', sha256: Sha256, applyChecksum: false })
const smithyNative = new SignatureV4({
  credentials: creds,
  region: 'us-east-1',
  service: 'sts',
  // node:crypto instead of the pure-JS hash: the fastest way to run smithy's signer on Node.
  sha256: class {
    constructor(secret) {
      this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256')
    }
    update(d) {
      this.h.update(d)
    }
    async digest() {
      return new Uint8Array(this.h.digest())
    }
  },
  applyChecksum: false,
})
async function viaSmithy(signer) {
  const sf = peerServerFirst()
  const headers = { ...peerHeaders(sf), 'Content-Length': String(BODY.length), Host: sf.h }
  const signed = await signer.sign({ method: 'POST', protocol: 'https:', hostname: sf.h, path: '/', headers, body: BODY }, { signingDate: now })
  return Buffer.from(BSON.serialize({ a: signed.headers.authorization, d: signed.headers['x-amz-date'], t: creds.sessionToken }))
}

// --- correctness first: every contestant produces the same client-final -----------------------
const expected = ours()
assert.deepEqual(oursPlain(), expected)
assert.deepEqual(oursFresh(), expected)
assert.deepEqual(viaAws4(), expected)
assert.deepEqual(await viaDriver(), expected)
assert.deepEqual(await viaSmithy(smithy), expected)
assert.deepEqual(await viaSmithy(smithyNative), expected)

// --- timing -------------------------------------------------------------------------------------
// CPU time of this process (user + system) per operation, not wall time: on a shared machine the
// process is often descheduled, which would count against whoever runs then. Contestants run in
// round-robin rounds (each one batch of ~20 ms per round, for `seconds` of CPU each), so that load
// changes on the machine hit all of them alike; each contestant's figure is its median batch and
// each ratio the median over rounds of (its batch / ours in the same round).
function cpuNow() {
  const u = process.cpuUsage()
  return (u.user + u.system) * 1000 // ns
}

const contestants = [
  { name: 'mongodb-aws (Credentials object, cached signing key)', fn: ours },
  { name: 'mongodb-aws (the same plain credentials object)', fn: oursPlain },
  { name: 'mongodb-aws (a new plain object each call: validate, derive key)', fn: oursFresh },
  { name: 'aws4 1.13 + bson (mongodb 6.x way)', fn: viaAws4 },
  { name: 'mongodb 7.x driver signer (WebCrypto) + bson', fn: viaDriver, isAsync: true },
  { name: '@smithy/signature-v4 + @aws-crypto/sha256-js + bson', fn: () => viaSmithy(smithy), isAsync: true },
  { name: '@smithy/signature-v4 + node:crypto + bson', fn: () => viaSmithy(smithyNative), isAsync: true },
]

async function runBatch(c) {
  const t0 = cpuNow()
  if (c.isAsync) for (let i = 0; i < c.batch; i++) await c.fn()
  else for (let i = 0; i < c.batch; i++) c.fn()
  return (cpuNow() - t0) / c.batch
}

// Calibrate: warm up and size each batch to ~20 ms of CPU.
for (const c of contestants) {
  c.batch = 16
  for (;;) {
    const t = await runBatch(c)
    if (t * c.batch > 2e7) break
    c.batch *= 2
  }
  c.samples = []
  c.ratios = []
}
const rounds = Math.max(5, Math.round((seconds * 1e9) / 2e7))
for (let r = 0; r < rounds; r++) {
  const round = []
  for (const c of contestants) {
    const t = await runBatch(c)
    c.samples.push(t)
    round.push(t)
  }
  contestants.forEach((c, i) => c.ratios.push(round[i] / round[0]))
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = contestants.map((c) => ({ name: c.name, nsPerOp: median(c.samples), ratio: median(c.ratios), rounds }))

if (asJson) {
  console.log(JSON.stringify({ node: process.version, seconds, results }, null, 2))
} else {
  console.log(`client-final with a session token; node ${process.version}; median CPU time per op over ${rounds} rounds`)
  const w = Math.max(...results.map((r) => r.name.length))
  for (const r of results) {
    const us = (r.nsPerOp / 1000).toFixed(2).padStart(8)
    const ratio = r.ratio.toFixed(1).padStart(6)
    console.log(`${r.name.padEnd(w)}  ${us} µs/op  ${ratio}x`)
  }
  console.log(`\nmongodb-aws is ${results[3].ratio.toFixed(1)}x faster than aws4 per client-final (goal: >= 10x)`)
}
