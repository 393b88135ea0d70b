'use strict'
// The shared vectors: the MONGODB-AWS GetCallerIdentity conversation, the derived spec vectors, and
// every case of both AWS SigV4 suites, through the public Node API.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { VECTORS, SPEC_TESTS, read, readHex, parseRequest } = require('./helpers.js')
const m = require('..')

const AKID = 'AKIDEXAMPLE'
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
const SUITE_TIME = new Date('2015-08-30T12:36:00Z')

test('MONGODB-AWS GetCallerIdentity vector', async (t) => {
  const dir = path.join(VECTORS, 'mongodb-aws-getcalleridentity')
  const inputs = JSON.parse(read(dir, 'inputs.json'))
  const serverFirst = readHex(dir, 'server-first.bson.hex')
  const now = new Date(inputs.amz_date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'))
  const conv = new m.ClientConversation(Buffer.from(inputs.client_nonce_hex, 'hex'))
  assert.deepEqual(conv.nonce, Buffer.from(inputs.client_nonce_hex, 'hex'))
  assert.deepEqual(conv.clientFirst(), readHex(dir, 'client-first.bson.hex'))
  const sf = conv.parseServerFirst(serverFirst)
  assert.equal(sf.host, inputs.host)
  assert.equal(sf.region, inputs.region)
  assert.equal(sf.serverNonce.toString('hex'), inputs.server_nonce_hex)

  for (const [variant, token, expected] of [
    ['with-session-token', inputs.session_token, inputs.expected_signature_with_token],
    ['without-session-token', undefined, inputs.expected_signature_without_token],
  ]) {
    await t.test(variant, () => {
      const creds = new m.Credentials(inputs.access_key_id, inputs.secret_access_key, token)
      const vdir = path.join(dir, variant)
      assert.equal(conv.canonicalRequest(serverFirst, creds, { now }), read(vdir, 'canonical-request.txt'))
      assert.equal(conv.stringToSign(serverFirst, creds, { now }), read(vdir, 'string-to-sign.txt'))
      assert.equal(read(vdir, 'signature.txt').trim(), expected)
      const final = conv.finish(serverFirst, creds, { now })
      assert.deepEqual(final, readHex(vdir, 'client-final.bson.hex'))
      assert.ok(final.toString('latin1').includes(read(vdir, 'authorization.txt').trim()))
      // The clock as milliseconds, a plain AWS-SDK-shaped object, and a second call (cached signing key)
      // give the same bytes.
      const plain = { accessKeyId: inputs.access_key_id, secretAccessKey: inputs.secret_access_key, sessionToken: token }
      assert.deepEqual(conv.finish(serverFirst, plain, { now: now.getTime() + 999 }), final)
      assert.deepEqual(conv.finish(serverFirst, creds, { now }), final)
      // The same request through the general signer.
      const s = m.signV4(
        {
          method: 'POST',
          url: '/',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': 43,
            Host: inputs.host,
            'X-MongoDB-Server-Nonce': inputs.server_nonce_base64,
            'X-MongoDB-GS2-CB-Flag': 'n',
          },
          body: inputs.body,
        },
        creds,
        { region: inputs.region, service: inputs.service, now, debug: true },
      )
      assert.equal(s.canonicalRequest, read(vdir, 'canonical-request.txt'))
      assert.equal(s.stringToSign, read(vdir, 'string-to-sign.txt'))
      assert.equal(s.authorization, read(vdir, 'authorization.txt').trim())
      assert.equal(s.headers['X-Amz-Security-Token'], token)
    })
  }
})

const derived = JSON.parse(read(SPEC_TESTS, 'derived', 'mongodb-aws-derived-vectors.json'))

test('derived: region and host cases', () => {
  const cases = derived.region_and_host_cases.cases
  assert.ok(cases.length >= 20)
  for (const c of cases) {
    const host = c.host ?? c.host_repeat.char.repeat(c.host_repeat.count)
    if (c.error) {
      assert.throws(() => m.regionForHost(host), m.ConversationError, JSON.stringify(c))
      assert.throws(() => m.validateHost(host), m.ConversationError)
    } else {
      assert.equal(m.regionForHost(host), c.region, JSON.stringify(c))
      assert.equal(m.validateHost(host), undefined)
    }
  }
})

test('derived: spec conversation example (BSON layout and server-first parsing)', () => {
  const ex = derived.spec_conversation_example
  const clientFirst = Buffer.from(ex.client_first_hex, 'hex')
  assert.equal(clientFirst.length, ex.sizes_bytes.client_first)
  const nonce = clientFirst.subarray(12, 44)
  const conv = new m.ClientConversation(nonce)
  assert.deepEqual(conv.clientFirst(), clientFirst)
  const sf = conv.parseServerFirst(Buffer.from(ex.server_first_hex, 'hex'))
  assert.equal(sf.host, ex.decoded.server_first.h)
  assert.equal(sf.region, 'us-east-1')
})

test('derived: driver signature vectors through signV4', () => {
  for (const v of derived.signature_vectors) {
    const creds = new m.Credentials(v.access_key_id, v.secret_access_key, v.session_token)
    const now = new Date(v.amz_date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'))
    const s = m.signV4(
      {
        method: 'POST',
        path: '/',
        headers: [
          ['Content-Type', 'application/x-www-form-urlencoded'],
          ['Content-Length', '43'],
          ['Host', v.host],
          ['X-MongoDB-Server-Nonce', v.x_mongodb_server_nonce_header],
          ['X-MongoDB-GS2-CB-Flag', 'n'],
        ],
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      },
      creds,
      { region: v.region, service: 'sts', now, debug: true },
    )
    assert.equal(s.canonicalRequest, v.canonical_request, v.name)
    assert.equal(s.stringToSign, v.string_to_sign, v.name)
    assert.equal(s.authorization, v.authorization, v.name)
  }
})

function classicCases() {
  const root = path.join(VECTORS, 'aws-sig-v4-test-suite')
  const cases = []
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name)
    if (!fs.statSync(dir).isDirectory()) continue
    if (fs.existsSync(path.join(dir, `${name}.req`))) cases.push(dir)
    else for (const sub of fs.readdirSync(dir).sort()) if (fs.statSync(path.join(dir, sub)).isDirectory()) cases.push(path.join(dir, sub))
  }
  return cases
}

test('AWS classic SigV4 suite: all 31 cases', () => {
  const cases = classicCases()
  assert.equal(cases.length, 31)
  const creds = new m.Credentials(AKID, SECRET)
  for (const dir of cases) {
    const name = path.basename(dir)
    const f = (ext) => read(dir, `${name}.${ext}`)
    const p = parseRequest(f('req'), true)
    const s = m.signV4({ method: p.method, path: p.path, query: p.query, headers: p.headers, body: p.body }, creds, {
      region: 'us-east-1',
      service: 'service',
      now: SUITE_TIME,
      debug: true,
    })
    assert.equal(s.canonicalRequest, f('creq'), `${name}: canonical request`)
    assert.equal(s.stringToSign, f('sts'), `${name}: string to sign`)
    assert.equal(s.authorization, f('authz'), `${name}: authorization`)
    assert.equal(s.headers.Authorization, f('authz'))
    // The signed request carries every header we add, with the same value.
    const sreq = f('sreq')
    for (const [k, v] of Object.entries(s.headers)) {
      assert.ok(sreq.includes(`${k}:${v}`) || sreq.includes(`${k}: ${v}`), `${name}: ${k} in .sreq`)
    }
  }
})

test('AWS CRT SigV4 suite: all 38 cases, header and query signing', () => {
  const root = path.join(VECTORS, 'aws-signing-test-suite-v4')
  const dirs = fs.readdirSync(root).filter((n) => fs.statSync(path.join(root, n)).isDirectory()).sort()
  assert.equal(dirs.length, 38)
  for (const name of dirs) {
    const dir = path.join(root, name)
    const f = (file) => read(dir, file)
    const ctx = JSON.parse(f('context.json'))
    assert.equal(new Date(ctx.timestamp).getTime(), SUITE_TIME.getTime())
    const creds = new m.Credentials(ctx.credentials.access_key_id, ctx.credentials.secret_access_key, ctx.credentials.token)
    const p = parseRequest(f('request.txt'), false)
    const request = { method: p.method, path: p.path, query: p.query, headers: p.headers, body: p.body }
    const options = {
      region: ctx.region,
      service: ctx.service,
      now: SUITE_TIME,
      normalizePath: ctx.normalize,
      doubleEncodePath: ctx.normalize,
      signSessionToken: !ctx.omit_session_token,
      contentSha256Header: ctx.sign_body,
    }
    const s = m.signV4(request, creds, { ...options, debug: true })
    assert.equal(s.canonicalRequest, f('header-canonical-request.txt'), `${name}: canonical request`)
    assert.equal(s.stringToSign, f('header-string-to-sign.txt'), `${name}: string to sign`)
    assert.equal(s.signature, f('header-signature.txt').trim(), `${name}: signature`)
    const signed = f('header-signed-request.txt')
    const authz = signed.split('\n').find((l) => l.startsWith('Authorization:')).slice('Authorization:'.length)
    assert.equal(s.authorization, authz, `${name}: authorization`)
    for (const [k, v] of Object.entries(s.headers)) {
      assert.ok(signed.toLowerCase().includes(`${k.toLowerCase()}:${v.toLowerCase()}`), `${name}: ${k} in signed request`)
    }

    // Presigned URL variant (the suites never sign x-amz-content-sha256 there).
    const q = m.presignV4(request, creds, { ...options, expires: ctx.expiration_in_seconds })
    assert.equal(q.signature, f('query-signature.txt').trim(), `${name}: query signature`)
    const line = f('query-signed-request.txt').split('\n')[0]
    for (const param of q.query.split('&')) assert.ok(line.includes(param), `${name}: ${param} not in ${line}`)
  }
})

test('presignV4 builds the full URL for an absolute url', () => {
  const creds = new m.Credentials(AKID, SECRET)
  const q = m.presignV4({ url: 'https://example.amazonaws.com/?Param1=value1' }, creds, {
    region: 'us-east-1',
    service: 'service',
    now: SUITE_TIME,
    expires: 3600,
  })
  const line = read(VECTORS, 'aws-signing-test-suite-v4', 'get-vanilla-empty-query-key', 'query-signed-request.txt').split('\n')[0]
  assert.equal(read(VECTORS, 'aws-signing-test-suite-v4', 'get-vanilla-empty-query-key', 'request.txt').split('\n')[0], 'GET /?Param1=value1 HTTP/1.1')
  assert.equal(q.signature, read(VECTORS, 'aws-signing-test-suite-v4', 'get-vanilla-empty-query-key', 'query-signature.txt').trim())
  assert.ok(q.url.startsWith('https://example.amazonaws.com/?Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&'))
  for (const param of q.query.split('&')) assert.ok(line.includes(param))
})
