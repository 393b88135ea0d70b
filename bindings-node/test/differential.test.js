'use strict'
// Differential tests: our signer and conversation against aws4, @smithy/signature-v4 and the official
// driver's own signer, on generated inputs. Every case is reproducible from its seed (printed on
// failure).
const test = require('node:test')
const assert = require('node:assert/strict')
const aws4 = require('aws4')
const { SignatureV4 } = require('@smithy/signature-v4')
const { Sha256 } = require('@aws-crypto/sha256-js')
const { BSON } = require('mongodb')
const { aws4Sign: driverSign } = require('mongodb/lib/cmap/auth/aws4')
const { rng } = require('./helpers.js')
const m = require('..')

const N = Number(process.env.DIFF_CASES ?? 300)
const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const PRINTABLE = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join('')

/** X-Amz-Date from a Date, independently of our code. */
const amzDate = (d) => d.toISOString().replace(/[:-]|\.\d{3}/g, '')

function genCredentials(r) {
  const accessKeyId = r.pick(['AKIA', 'ASIA', 'AKID']) + r.str('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 12, 20)
  const secretAccessKey = r.str(UNRESERVED.replace(/[-._~]/g, '') + '+/', 40, 40)
  const sessionToken = r.next() < 0.5 ? undefined : r.str(UNRESERVED + '+/=', 16, 600)
  return { accessKeyId, secretAccessKey, sessionToken }
}

function genTime(r) {
  // 1970 .. 2100, whole seconds.
  return new Date(r.int(4_102_444_800) * 1000)
}

/**
 * A random request. `opts.unicode` allows non-ASCII path and query characters (aws4 re-encodes such
 * paths its own way, so the aws4 comparison leaves them out).
 */
function genRequest(r, opts = {}) {
  const method = r.pick(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'])
  const host = r.pick([
    () => `${r.str(LOWER, 2, 10)}.${r.pick(['us-east-1', 'eu-west-3', 'ap-south-2'])}.amazonaws.com`,
    () => `${r.str(LOWER + '0123456789', 1, 12)}.example.com`,
    () => `localhost:${1 + r.int(65535)}`,
  ])()
  const segAlphabet = UNRESERVED + "!$'()*,;:@=" + (opts.unicode ? 'ሴé€' : '')
  const segs = []
  const nseg = r.int(5)
  for (let i = 0; i < nseg; i++) {
    const x = r.next()
    segs.push(x < 0.08 ? '.' : x < 0.16 ? '..' : x < 0.22 ? '' : r.str(segAlphabet, 1, 10))
  }
  let path = '/' + segs.join('/')
  // A path ending in '/.' or '/..' is where the references disagree among themselves (see the test
  // 'dot segments at the end' below), so such a path always gets a trailing slash here.
  if (nseg > 0 && (r.next() < 0.3 || segs[nseg - 1] === '.' || segs[nseg - 1] === '..')) path += '/'
  const params = []
  const nparam = r.int(5)
  const qAlphabet = UNRESERVED + " !*'()/:@=,;$" + (opts.unicode ? 'ሴé' : '')
  for (let i = 0; i < nparam; i++) {
    const key = i > 0 && r.next() < 0.2 ? params[0][0] : r.str(qAlphabet, 1, 8)
    params.push([key, r.str(qAlphabet, 0, 12)])
  }
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
  const headers = { host }
  const names = new Set(['host'])
  const nh = r.int(6)
  for (let i = 0; i < nh; i++) {
    const name = 'x-' + r.str(LOWER + '0123456789-', 1, 12)
    if (names.has(name.toLowerCase())) continue
    names.add(name.toLowerCase())
    const display = r.next() < 0.5 ? name : name.toUpperCase()
    const words = Array.from({ length: 1 + r.int(3) }, () => r.str(PRINTABLE, 0, 10))
    const value = ' '.repeat(r.int(3)) + words.join(' '.repeat(1 + r.int(3))) + ' '.repeat(r.int(3))
    headers[display] = value
  }
  const body = r.next() < 0.4 ? '' : r.str(PRINTABLE + ' \n' + (opts.unicode ? 'ሴé' : ''), 0, 300)
  const region = r.pick(['us-east-1', 'us-west-2', 'eu-central-1', r.str(LOWER, 2, 6) + '-' + r.str(LOWER, 2, 8) + '-' + (1 + r.int(9))])
  const service = r.pick(['sts', 'execute-api', 'dynamodb', 'sqs', r.str(LOWER, 3, 12)])
  return { method, host, path, params, query, headers, body, region, service }
}

function withSeed(name, fn) {
  return (t) => {
    const base = Number(process.env.DIFF_SEED ?? 20261123)
    for (let i = 0; i < N; i++) {
      const seed = base + i
      try {
        fn(rng(seed), seed)
      } catch (e) {
        e.message = `${name}: seed ${seed} (DIFF_SEED=${seed} DIFF_CASES=1 to reproduce): ${e.message}`
        throw e
      }
    }
  }
}

async function withSeedAsync(name, fn) {
  const base = Number(process.env.DIFF_SEED ?? 20261123)
  for (let i = 0; i < N; i++) {
    const seed = base + i
    try {
      await fn(rng(seed), seed)
    } catch (e) {
      e.message = `${name}: seed ${seed} (DIFF_SEED=${seed} DIFF_CASES=1 to reproduce): ${e.message}`
      throw e
    }
  }
}

test(
  `signV4 equals aws4 on ${N} generated requests`,
  withSeed('aws4', (r) => {
    const q = genRequest(r)
    const creds = genCredentials(r)
    const now = genTime(r)
    const input = {
      method: q.method,
      host: q.host,
      path: q.query ? `${q.path}?${q.query}` : q.path,
      service: q.service,
      region: q.region,
      headers: { ...q.headers, 'X-Amz-Date': amzDate(now) },
      body: q.body,
    }
    // aws4 drops params with an empty key and adds Content-Type/Length for a body: feed its final
    // headers to our signer.
    const signed = aws4.sign(input, creds)
    const headers = { ...signed.headers }
    delete headers.Authorization
    const ours = m.signV4({ method: q.method, path: q.path, query: q.query, headers, body: q.body }, creds, {
      region: q.region,
      service: q.service,
      now,
    })
    assert.equal(ours.authorization, signed.headers.Authorization)
    assert.equal(ours.headers['X-Amz-Date'], undefined)
    if (creds.sessionToken) assert.equal(headers['X-Amz-Security-Token'], creds.sessionToken)
  }),
)

test(`signV4 equals @smithy/signature-v4 on ${N} generated requests (header signing)`, async () => {
  await withSeedAsync('smithy', async (r) => {
    const q = genRequest(r, { unicode: true })
    const creds = genCredentials(r)
    const now = genTime(r)
    const checksum = r.next() < 0.3
    const query = {}
    for (const [k, v] of q.params) {
      if (k in query) query[k] = [].concat(query[k], v)
      else query[k] = v
    }
    const signer = new SignatureV4({ credentials: creds, region: q.region, service: q.service, sha256: Sha256, applyChecksum: checksum })
    const body = r.next() < 0.5 ? q.body : Buffer.from(q.body, 'utf8')
    const signed = await signer.sign(
      { method: q.method, protocol: 'https:', hostname: q.host, path: q.path, query, headers: { ...q.headers }, body },
      { signingDate: now },
    )
    const ours = m.signV4({ method: q.method, path: q.path, query: q.query, headers: q.headers, body }, creds, {
      region: q.region,
      service: q.service,
      now,
      contentSha256Header: checksum,
    })
    assert.equal(ours.authorization, signed.headers.authorization)
    assert.equal(ours.headers['X-Amz-Date'], signed.headers['x-amz-date'])
    assert.equal(ours.headers['X-Amz-Security-Token'], signed.headers['x-amz-security-token'])
    assert.equal(ours.headers['X-Amz-Content-SHA256'], signed.headers['x-amz-content-sha256'])
  })
})

test(`presignV4 equals @smithy/signature-v4 presign on ${N} generated requests`, async () => {
  await withSeedAsync('smithy presign', async (r) => {
    const q = genRequest(r, { unicode: true })
    const creds = genCredentials(r)
    const now = genTime(r)
    const expires = 1 + r.int(604800)
    const query = {}
    for (const [k, v] of q.params) {
      if (k.toLowerCase().startsWith('x-amz-')) continue
      if (k in query) query[k] = [].concat(query[k], v)
      else query[k] = v
    }
    const signer = new SignatureV4({ credentials: creds, region: q.region, service: q.service, sha256: Sha256 })
    const presigned = await signer.presign(
      { method: q.method, protocol: 'https:', hostname: q.host, path: q.path, query, headers: { ...q.headers }, body: q.body },
      { signingDate: now, expiresIn: expires },
    )
    const rawQuery = q.params
      .filter(([k]) => !k.toLowerCase().startsWith('x-amz-'))
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&')
    const ours = m.presignV4({ method: q.method, path: q.path, query: rawQuery, headers: q.headers, body: q.body }, creds, {
      region: q.region,
      service: q.service,
      now,
      expires,
    })
    assert.equal(ours.signature, presigned.query['X-Amz-Signature'])
    const parsed = new URLSearchParams(ours.query)
    for (const k of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Security-Token']) {
      assert.equal(parsed.get(k) ?? undefined, presigned.query[k] === undefined ? undefined : String(presigned.query[k]), k)
    }
  })
})

test('dot segments at the end of a path follow RFC 3986 (as aws-sigv4 and WHATWG URL do)', () => {
  // aws4 and @smithy/signature-v4 drop the trailing slash of '/f/.' and '/a/b/..' ('/f', '/a');
  // RFC 3986 section 5.2.4 keeps it, and so do the AWS Rust SDK's aws-sigv4 and Node's URL parser.
  const creds = new m.Credentials('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')
  for (const p of ['/f/.', '/a/b/..', '/a/./b/../c/.', '/..', '/.']) {
    const s = m.signV4({ path: p, headers: { host: 'example.com' } }, creds, { region: 'us-east-1', service: 'service', debug: true })
    assert.equal(s.canonicalRequest.split('\n')[1], new URL(`http://example.com${p}`).pathname, p)
  }
})

// ---------------------------------------------------------------------------------------------
// The MONGODB-AWS conversation against the drivers' way of computing client-final
// ---------------------------------------------------------------------------------------------

const BODY = 'Action=GetCallerIdentity&Version=2011-06-15'

/** The Node driver's region rule (mongodb 6.x and 7.x, lib/cmap/auth/mongodb_aws.js). */
function driverRegion(host) {
  const parts = host.split('.')
  if (parts.length === 1 || parts[1] === 'amazonaws') return 'us-east-1'
  return parts[1]
}

function genHost(r) {
  return r.pick([
    () => 'sts.amazonaws.com',
    () => `sts.${r.pick(['us-west-2', 'eu-west-1', 'ap-northeast-3', 'us-gov-west-1'])}.amazonaws.com`,
    () => `${r.str(LOWER, 1, 8)}.${r.str(LOWER + '-0123456789', 1, 20).replace(/^-/, 'a')}.${r.str(LOWER, 2, 6)}`,
    () => r.str(LOWER + '0123456789', 1, 30),
    () => `localhost:${1 + r.int(65535)}`,
  ])()
}

function genConversation(r) {
  const nonce = r.bytes(32)
  const serverNonce = Buffer.concat([nonce, r.bytes(32)])
  const host = genHost(r)
  const serverFirst = BSON.serialize({ s: new BSON.Binary(serverNonce, 0), h: host })
  return { nonce, serverNonce, host, serverFirst: Buffer.from(serverFirst), creds: genCredentials(r), now: genTime(r) }
}

function clientFinal(a, d, t) {
  return Buffer.from(BSON.serialize(t ? { a, d, t } : { a, d }))
}

/**
 * The GetCallerIdentity request of conversation `c` as the mongodb driver hands it to its signer
 * (aws4 in 6.x, its own in 7.x): `headers` are added after the driver's, `extra` after the rest.
 */
function driverStsRequest(c, headers, extra) {
  return {
    method: 'POST',
    host: c.host,
    region: driverRegion(c.host),
    service: 'sts',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': BODY.length,
      'X-MongoDB-Server-Nonce': c.serverNonce.toString('base64'),
      'X-MongoDB-GS2-CB-Flag': 'n',
      ...headers,
    },
    path: '/',
    body: BODY,
    ...extra,
  }
}

/** client-final as mongodb 6.x computes it: aws4 signs, the driver's BSON encodes. */
function aws4ClientFinal(c) {
  const signed = aws4.sign(driverStsRequest(c, { 'X-Amz-Date': amzDate(c.now) }, {}), c.creds)
  return clientFinal(signed.headers.Authorization, signed.headers['X-Amz-Date'], c.creds.sessionToken)
}

test(
  `client-final equals aws4 + BSON as mongodb 6.x computes it, ${N} generated conversations`,
  withSeed('conversation/aws4', (r) => {
    const c = genConversation(r)
    const conv = new m.ClientConversation(c.nonce)
    // client-first as the driver builds it.
    assert.deepEqual(conv.clientFirst(), Buffer.from(BSON.serialize({ r: new BSON.Binary(c.nonce, 0), p: 110 })))
    assert.equal(m.regionForHost(c.host), driverRegion(c.host))
    assert.deepEqual(conv.finish(c.serverFirst, c.creds, { now: c.now }), aws4ClientFinal(c))
  }),
)

test('credentials collected by the GC free their native slot; reused slots sign with the new credentials (aws4)', async () => {
  // finish() finds native credentials by slot (src/fast.rs); a slot freed by the GC is handed to
  // the next credentials, which must then sign with their own secret.
  require('node:v8').setFlagsFromString('--expose-gc')
  const gc = require('node:vm').runInNewContext('gc')
  const native = require('../binding.js')
  const r = rng(20261123)
  const seen = new Set()
  let reused = 0
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 10; i++) {
      const c = genConversation(r)
      const creds = new m.Credentials(c.creds)
      assert.deepEqual(new m.ClientConversation(c.nonce).finish(c.serverFirst, creds, { now: c.now }), aws4ClientFinal(c))
      const probe = new native.NativeCredentials('AKIDEXAMPLE', 'secret', null)
      if (seen.has(probe.slot)) reused++
      seen.add(probe.slot)
    }
    gc()
    await new Promise((resolve) => setImmediate(resolve)) // napi finalizers run after the GC
  }
  assert.ok(reused > 0, 'no slot was reused after garbage collection')
  assert.ok(seen.size < 200, `${seen.size} slots for 200 short-lived credentials`)
})

test('native finish refuses a scratch that overlaps the output, an unknown slot, a short scratch and a short output', () => {
  const native = require('../binding.js')
  const L = native.scratchLayout()
  const code = (f) => {
    try {
      f()
    } catch (e) {
      return e.code
    }
    return 'no error'
  }
  const creds = new native.NativeCredentials('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', null)
  const c = genConversation(rng(7))
  const scratch = Buffer.alloc(L.size)
  new Float64Array(scratch.buffer, scratch.byteOffset + L.now, 1)[0] = c.now.getTime()
  new Uint32Array(scratch.buffer, scratch.byteOffset + L.serverFirstLen, 1)[0] = c.serverFirst.length
  new Uint32Array(scratch.buffer, scratch.byteOffset + L.slot, 1)[0] = creds.slot
  new Uint32Array(scratch.buffer, scratch.byteOffset + L.outOffset, 1)[0] = 0
  scratch.set(c.nonce, L.nonce)
  scratch.set(c.serverFirst, L.serverFirst)
  const out = Buffer.alloc(4096)
  const n = native.finish(scratch, out)
  const plain = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
  assert.deepEqual(out.subarray(0, n), aws4ClientFinal({ ...c, creds: plain }))
  const big = Buffer.alloc(L.size + 4096)
  scratch.copy(big)
  assert.equal(code(() => native.finish(big, big)), 'INVALID_PARAMETER')
  assert.equal(code(() => native.finish(big.subarray(0, L.size), big.subarray(L.size))), 'no error')
  assert.equal(code(() => native.finish(scratch.subarray(0, L.serverFirst + 3), out)), 'INVALID_PARAMETER')
  const bogus = Buffer.from(scratch)
  new Uint32Array(bogus.buffer, bogus.byteOffset + L.slot, 1)[0] = 0xffffffff
  assert.equal(code(() => native.finish(bogus, out)), 'INVALID_PARAMETER')
  // Less room than the longest client-final of these credentials (682 bytes without a token, the
  // C ABI's MONGODB_AWS_CLIENT_FINAL_MAX_LEN): that room is returned, nothing written.
  for (const size of [n - 1, n, 681]) {
    const short = Buffer.alloc(size, 0xaa)
    assert.equal(native.finish(scratch, short), 682)
    assert.ok(short.every((b) => b === 0xaa))
  }
  assert.ok(n <= 682)
})

test('a server-first longer than the module scratch holds is refused with the same error as parseServerFirst', () => {
  const native = require('../binding.js')
  const L = native.scratchLayout()
  const maxServerFirst = L.size - L.serverFirst
  const nonce = Buffer.alloc(32, 1)
  const conv = new m.ClientConversation(nonce)
  const creds = new m.Credentials('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')
  for (const host of ['h'.repeat(250), 'h'.repeat(256), 'a.'.repeat(200) + 'com']) {
    const sf = Buffer.from(BSON.serialize({ s: new BSON.Binary(Buffer.concat([nonce, Buffer.alloc(32)]), 0), h: host }))
    const err = (f) => {
      try {
        f()
      } catch (e) {
        return [e.name, e.code]
      }
      return 'no error'
    }
    const expected = err(() => conv.parseServerFirst(sf))
    assert.deepEqual(err(() => conv.finish(sf, creds, { now: 0 })), expected, `host of ${host.length}`)
    if (sf.length > maxServerFirst) assert.notEqual(expected, 'no error')
  }
})

test(`client-final equals the mongodb 7.x driver's own signer, ${N} generated conversations`, async () => {
  await withSeedAsync('conversation/driver', async (r) => {
    const c = genConversation(r)
    const conv = new m.ClientConversation(c.nonce)
    const headers = await driverSign(
      driverStsRequest(c, {}, { date: c.now }),
      c.creds.sessionToken ? c.creds : { accessKeyId: c.creds.accessKeyId, secretAccessKey: c.creds.secretAccessKey },
    )
    const expected = clientFinal(headers.Authorization, headers['X-Amz-Date'], c.creds.sessionToken)
    const credentials = new m.Credentials(c.creds)
    assert.deepEqual(conv.finish(c.serverFirst, credentials, { now: c.now }), expected)
  })
})

test(`client-final equals @smithy/signature-v4 on the GetCallerIdentity request, ${N} generated conversations`, async () => {
  await withSeedAsync('conversation/smithy', async (r) => {
    const c = genConversation(r)
    const conv = new m.ClientConversation(c.nonce)
    const signer = new SignatureV4({ credentials: c.creds, region: m.regionForHost(c.host), service: 'sts', sha256: Sha256, applyChecksum: false })
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: c.host,
        path: '/',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': String(BODY.length),
          Host: c.host,
          'X-MongoDB-Server-Nonce': c.serverNonce.toString('base64'),
          'X-MongoDB-GS2-CB-Flag': 'n',
        },
        body: BODY,
      },
      { signingDate: c.now },
    )
    const expected = clientFinal(signed.headers.authorization, signed.headers['x-amz-date'], c.creds.sessionToken)
    assert.deepEqual(conv.finish(c.serverFirst, c.creds, { now: c.now }), expected)
  })
})
