'use strict'
// The package surface: CommonJS and ESM entry points, the TypeScript declarations, the version, and
// the conveniences of the JavaScript layer (argument shapes, defaults, redaction).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const util = require('node:util')
const { execFileSync } = require('node:child_process')
const { BSON } = require('mongodb')
const { ROOT, read } = require('./helpers.js')
const m = require('mongodb-aws')

const PKG = path.resolve(__dirname, '..')
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
const TOKEN = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI'

test('require and import give the same API', async () => {
  const esm = await import('mongodb-aws')
  const cjsKeys = Object.keys(m).sort()
  const esmKeys = Object.keys(esm).filter((k) => k !== 'default').sort()
  assert.deepEqual(esmKeys, cjsKeys)
  for (const k of cjsKeys) assert.equal(esm[k], m[k], k)
  assert.equal(esm.default, m)
  assert.equal(require('../index.js'), m)
})

test('index.d.ts declares exactly the runtime exports', () => {
  const dts = read(PKG, 'index.d.ts')
  const declared = [...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((x) => x[1]).sort()
  assert.deepEqual(declared, Object.keys(m).sort())
  // The generated binding declarations match the generated loader.
  const bdts = read(PKG, 'binding.d.ts')
  const bdeclared = [...bdts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((x) => x[1]).sort()
  assert.deepEqual(bdeclared, Object.keys(require('../binding.js')).sort())
})

test('index.d.ts type-checks a TypeScript user of every export (tsc --strict)', () => {
  const tsc = path.join(PKG, 'node_modules', 'typescript', 'bin', 'tsc')
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(PKG, 'test', 'types', 'tsconfig.json')], { encoding: 'utf8' })
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`)
  }
})

test('version equals package.json and the Cargo workspace version', () => {
  const pkg = JSON.parse(read(PKG, 'package.json'))
  assert.equal(m.version, pkg.version)
  const cargo = read(ROOT, 'Cargo.toml')
  const ws = cargo.slice(cargo.indexOf('[workspace.package]'))
  assert.equal(m.version, /^version\s*=\s*"([^"]+)"/m.exec(ws)[1])
})

test('Credentials: fields, shapes, redaction', () => {
  const exp = new Date('2030-01-01T00:00:00Z')
  const c = new m.Credentials('AKIDEXAMPLE', SECRET, TOKEN, { expiration: exp, source: 'test' })
  assert.equal(c.accessKeyId, 'AKIDEXAMPLE')
  assert.equal(c.secretAccessKey, SECRET)
  assert.equal(c.sessionToken, TOKEN)
  assert.equal(c.expiration, exp)
  assert.equal(c.source, 'test')
  assert.deepEqual(c.toAwsCredentialIdentity(), { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN, expiration: exp })
  const same = new m.Credentials({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN, expiration: exp, source: 'test' })
  assert.deepEqual(same.toAwsCredentialIdentity(), c.toAwsCredentialIdentity())
  for (const text of [util.inspect(c), JSON.stringify(c), String(c), `${c}`, util.format('%o', c)]) {
    assert.ok(!text.includes(SECRET), text)
    assert.ok(!text.includes(TOKEN.slice(0, 20)), text)
    assert.ok(text.includes('AKIDEXAMPLE'), text)
  }
  assert.ok(Object.isFrozen(m.errorTable()))
  const plain = new m.Credentials('AKID', SECRET)
  assert.equal(plain.sessionToken, undefined)
  assert.equal(plain.expiration, undefined)
  assert.deepEqual(plain.toAwsCredentialIdentity(), { accessKeyId: 'AKID', secretAccessKey: SECRET })
  const env = m.Credentials.fromEnv({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: '' })
  assert.equal(env.source, 'environment')
  assert.equal(env.sessionToken, undefined)
  // Properties are read-only.
  assert.throws(() => {
    'use strict'
    c.accessKeyId = 'x'
  }, TypeError)
})

test('ClientConversation: random nonce, default clock, binary input shapes', () => {
  const a = new m.ClientConversation()
  const b = new m.ClientConversation()
  assert.equal(a.nonce.length, 32)
  assert.notDeepEqual(a.nonce, b.nonce)
  const first = BSON.deserialize(a.clientFirst(), { promoteBuffers: true })
  assert.deepEqual(first, { r: a.nonce, p: 110 })
  const serverNonce = Buffer.concat([a.nonce, Buffer.alloc(32, 1)])
  const sf = Buffer.from(BSON.serialize({ s: new BSON.Binary(serverNonce, 0), h: 'sts.us-west-2.amazonaws.com' }))
  const creds = new m.Credentials('AKIDEXAMPLE', SECRET, TOKEN)
  const before = Date.now()
  const final = BSON.deserialize(a.finish(sf, creds))
  const after = Date.now()
  const d = final.d.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')
  assert.ok(Date.parse(d) >= Math.floor(before / 1000) * 1000 && Date.parse(d) <= after, `${d} not within the call`)
  assert.equal(final.t, TOKEN)
  assert.match(final.a, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/sts\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-mongodb-gs2-cb-flag;x-mongodb-server-nonce, Signature=[0-9a-f]{64}$/)
  // Same bytes whatever the binary container.
  const now = new Date('2020-02-02T02:02:02Z')
  const ref = a.finish(sf, creds, { now })
  const ab = sf.buffer.slice(sf.byteOffset, sf.byteOffset + sf.length)
  assert.deepEqual(a.finish(new Uint8Array(sf), creds, { now }), ref)
  assert.deepEqual(a.finish(ab, creds, { now }), ref)
  assert.deepEqual(a.finish(new DataView(ab), creds, { now }), ref)
  const padded = Buffer.concat([Buffer.alloc(5), sf])
  assert.deepEqual(a.finish(padded.subarray(5), creds, { now }), ref)
  const c2 = new m.ClientConversation(new Uint8Array(a.nonce))
  assert.deepEqual(c2.finish(sf, creds, { now: now.getTime() }), ref)
  const info = a.parseServerFirst(sf)
  assert.deepEqual(info, { host: 'sts.us-west-2.amazonaws.com', region: 'us-west-2', serverNonce, serverNonceBase64: serverNonce.toString('base64') })
  assert.ok(a.canonicalRequest(sf, creds, { now }).includes('\nhost:sts.us-west-2.amazonaws.com\n'))
  assert.ok(a.stringToSign(sf, creds, { now }).startsWith('AWS4-HMAC-SHA256\n20200202T020202Z\n20200202/us-west-2/sts/aws4_request\n'))
})

test('plain credential objects: reused while unchanged, re-read when a field changes', () => {
  const conv = new m.ClientConversation(Buffer.alloc(32, 5))
  const sf = Buffer.from(BSON.serialize({ s: new BSON.Binary(Buffer.concat([Buffer.alloc(32, 5), Buffer.alloc(32, 6)]), 0), h: 'sts.amazonaws.com' }))
  const now = new Date('2021-06-01T00:00:00Z')
  const plain = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET }
  const a = conv.finish(sf, plain, { now })
  assert.deepEqual(conv.finish(sf, plain, { now }), a)
  assert.deepEqual(conv.finish(sf, new m.Credentials(plain), { now }), a)
  plain.secretAccessKey = 'anotherSecret/1234567890'
  const b = conv.finish(sf, plain, { now })
  assert.notDeepEqual(b, a)
  assert.deepEqual(b, conv.finish(sf, new m.Credentials('AKIDEXAMPLE', 'anotherSecret/1234567890'), { now }))
  plain.sessionToken = TOKEN
  assert.equal(BSON.deserialize(conv.finish(sf, plain, { now })).t, TOKEN)
  plain.secretAccessKey = 'bad secret'
  assert.throws(() => conv.finish(sf, plain, { now }), m.CredentialsError)
})

test('ClientConversation.finish: results stay intact across many calls (no shared bytes)', () => {
  const conv = new m.ClientConversation(Buffer.alloc(32, 3))
  const sf = Buffer.from(BSON.serialize({ s: new BSON.Binary(Buffer.concat([Buffer.alloc(32, 3), Buffer.alloc(32, 4)]), 0), h: 'sts.amazonaws.com' }))
  const creds = new m.Credentials('AKIDEXAMPLE', SECRET, TOKEN)
  const long = new m.Credentials('AKIDEXAMPLE', SECRET, 'T'.repeat(20000))
  const results = []
  for (let i = 0; i < 200; i++) {
    const c = i % 7 === 3 ? long : creds
    const now = 1_700_000_000_000 + i * 86_400_000 // a new day (and signing key) every call
    results.push([c, now, conv.finish(sf, c, { now })])
  }
  for (const [c, now, r] of results) {
    assert.deepEqual(r, conv.finish(sf, c, { now }))
    assert.equal(BSON.deserialize(r).d, new Date(now).toISOString().replace(/[:-]|\.\d{3}/g, ''))
  }
  const spans = results.map(([, , r]) => [r.buffer, r.byteOffset, r.byteOffset + r.length])
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      if (spans[i][0] === spans[j][0]) assert.ok(spans[i][2] <= spans[j][1] || spans[j][2] <= spans[i][1], 'overlapping results')
    }
  }
})

test('signV4: header and body shapes are equivalent; added headers', () => {
  const creds = new m.Credentials('AKIDEXAMPLE', SECRET, TOKEN)
  const opts = { region: 'us-east-1', service: 'service', now: new Date('2015-08-30T12:36:00Z') }
  const body = 'Param1=value1'
  const ref = m.signV4({ method: 'POST', path: '/p', query: 'a=1', headers: { Host: 'example.amazonaws.com', 'X-A': ['1', '2'] }, body }, creds, opts)
  const variants = [
    { method: 'POST', url: 'https://example.amazonaws.com/p?a=1', headers: [['X-A', '1'], ['X-A', '2']], body: Buffer.from(body) },
    { method: 'POST', url: new URL('https://example.amazonaws.com/p?a=1#frag'), headers: new Map([['x-a', ['1', '2']]]), body: new TextEncoder().encode(body) },
    { method: 'POST', url: '/p?a=1#frag', headers: new Headers([['host', 'example.amazonaws.com'], ['x-a', '1,2']]), body },
    { method: 'POST', path: '/p', query: 'a=1', headers: { host: 'example.amazonaws.com', 'x-a': ['1', '2'], 'x-skip': undefined }, payloadHash: require('node:crypto').createHash('sha256').update(body).digest('hex') },
  ]
  for (const v of variants) assert.equal(m.signV4(v, creds, opts).authorization, ref.authorization, util.inspect(v))
  // fetch's Headers joins repeated values with ', ' and that is what goes on the wire, so that is what
  // gets signed.
  const joined = m.signV4({ method: 'POST', url: '/p?a=1', headers: new Headers([['host', 'example.amazonaws.com'], ['x-a', '1'], ['x-a', '2']]), body }, creds, { ...opts, debug: true })
  assert.ok(joined.canonicalRequest.includes('\nx-a:1, 2\n'))
  assert.deepEqual(Object.keys(ref.headers), ['X-Amz-Date', 'X-Amz-Security-Token', 'Authorization'])
  // Host from an absolute URL is returned too (default port left out, as on the wire).
  const fromUrl = m.signV4({ url: 'https://example.amazonaws.com:443/p' }, creds, opts)
  assert.equal(fromUrl.headers.Host, 'example.amazonaws.com')
  assert.equal(m.signV4({ url: 'http://127.0.0.1:8080/' }, creds, opts).headers.Host, '127.0.0.1:8080')
  // unsignedPayload is UNSIGNED-PAYLOAD; aliases and diagnostics helpers.
  assert.equal(
    m.signV4({ url: 'https://b/k', unsignedPayload: true }, creds, opts).authorization,
    m.signV4({ url: 'https://b/k', payloadHash: m.UNSIGNED_PAYLOAD }, creds, opts).authorization,
  )
  assert.throws(() => m.signV4({ url: 'https://b/k', unsignedPayload: true, payloadHash: 'x' }, creds, opts), TypeError)
  assert.equal(m.canonicalRequestV4({ url: 'https://b/k' }, creds, opts), m.signV4({ url: 'https://b/k' }, creds, { ...opts, debug: true }).canonicalRequest)
  assert.equal(m.stringToSignV4({ url: 'https://b/k' }, creds, opts), m.signV4({ url: 'https://b/k' }, creds, { ...opts, debug: true }).stringToSign)
  assert.equal(m.stsRegion, m.regionForHost)
  assert.equal(m.validateStsHost, m.validateHost)
  assert.equal(m.STS_DEFAULT_HOST, 'sts.amazonaws.com')
  assert.equal(m.STS_SERVICE, 'sts')
  assert.equal(m.GET_CALLER_IDENTITY_BODY, 'Action=GetCallerIdentity&Version=2011-06-15')
  assert.equal(m.MAX_PRESIGN_EXPIRES, 604800)
  assert.equal(m.CLIENT_NONCE_LENGTH, 32)
  assert.equal(m.UNSIGNED_PAYLOAD, 'UNSIGNED-PAYLOAD')
  assert.deepEqual(m.Credentials.fromParts('AKID', SECRET, '').toAwsCredentialIdentity(), { accessKeyId: 'AKID', secretAccessKey: SECRET })
  assert.equal(ref.headers['X-Amz-Date'], '20150830T123600Z')
  assert.equal(ref.headers['X-Amz-Security-Token'], TOKEN)
  assert.equal(ref.canonicalRequest, undefined)
  // Token not signed: absent from SignedHeaders, but still returned to be added after signing.
  const unsigned = m.signV4({ headers: { host: 'h' } }, creds, { ...opts, signSessionToken: false })
  assert.equal(unsigned.headers['X-Amz-Security-Token'], TOKEN)
  assert.ok(!unsigned.authorization.includes('x-amz-security-token'))
  // S3 style: content hash header added and signed.
  const s3 = m.signV4({ method: 'PUT', url: 'https://b.s3.amazonaws.com/k', body: 'hello' }, creds, { ...opts, service: 's3', contentSha256Header: true, doubleEncodePath: false, normalizePath: false })
  assert.equal(s3.headers['X-Amz-Content-SHA256'], require('node:crypto').createHash('sha256').update('hello').digest('hex'))
  assert.ok(s3.authorization.includes('x-amz-content-sha256'))
  const unsignedPayload = m.signV4({ url: 'https://b.s3.amazonaws.com/k', payloadHash: m.UNSIGNED_PAYLOAD }, creds, { ...opts, service: 's3', contentSha256Header: true, debug: true })
  assert.ok(unsignedPayload.canonicalRequest.endsWith('\nUNSIGNED-PAYLOAD'))
  assert.equal(unsignedPayload.headers['X-Amz-Content-SHA256'], 'UNSIGNED-PAYLOAD')
  // Default method GET and path '/'.
  const dflt = m.signV4({ headers: { host: 'h' } }, creds, { ...opts, debug: true })
  assert.ok(dflt.canonicalRequest.startsWith('GET\n/\n\n'))
})

test('works in worker threads (the addon loads once per thread), with the same results and errors', async () => {
  const { Worker } = require('node:worker_threads')
  const sf = Buffer.from(BSON.serialize({ s: new BSON.Binary(Buffer.concat([Buffer.alloc(32, 9), Buffer.alloc(32, 1)]), 0), h: 'sts.amazonaws.com' }))
  const code = `
    const { parentPort } = require('node:worker_threads')
    const m = require(${JSON.stringify(require.resolve('..'))})
    const conv = new m.ClientConversation(Buffer.alloc(32, 9))
    let err
    try { conv.parseServerFirst(Buffer.alloc(3)) } catch (e) { err = [e.name, e.code, e instanceof m.ConversationError] }
    const sf = Buffer.from(require('node:worker_threads').workerData)
    const finals = []
    for (let i = 0; i < 50; i++) {
      const creds = new m.Credentials('AKIDEXAMPLE', 'secret' + (i % 5))
      finals.push(conv.finish(sf, creds, { now: i * 1000 }).toString('hex'))
    }
    parentPort.postMessage({ first: conv.clientFirst().toString('hex'), region: m.regionForHost('sts.eu-west-1.amazonaws.com'), err, finals })
  `
  const results = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: sf })
          w.once('message', resolve)
          w.once('error', reject)
        }),
    ),
  )
  const conv = new m.ClientConversation(Buffer.alloc(32, 9))
  const first = conv.clientFirst().toString('hex')
  // The same server-first and credentials signed here, by slot in this thread's registry, and in
  // each worker's.
  const finals = Array.from({ length: 50 }, (_, i) => conv.finish(sf, new m.Credentials('AKIDEXAMPLE', 'secret' + (i % 5)), { now: i * 1000 }).toString('hex'))
  for (const r of results) {
    assert.deepEqual(r, { first, region: 'eu-west-1', err: ['ConversationError', 'BSON_TRUNCATED', true], finals })
  }
})

test('native module: every export is panic-guarded (catch_unwind) in the source', () => {
  const dir = path.join(PKG, 'src')
  let total = 0
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.rs'))) {
    const src = read(dir, f)
    const exports = [...src.matchAll(/#\[napi(\([^)]*\))?\]\s*(?:#\[[^\]]*\]\s*)*pub fn (\w+)/g)]
    for (const [, args, name] of exports) assert.ok(args && args.includes('catch_unwind'), `${f}: ${name} lacks catch_unwind`)
    total += exports.length
  }
  // The scan saw at least every free function the generated declarations list (methods come on top).
  const functions = [...read(PKG, 'binding.d.ts').matchAll(/^export declare function /gm)].length
  assert.ok(functions >= 10 && total >= functions, `found ${total} guarded exports for ${functions} functions`)
})
