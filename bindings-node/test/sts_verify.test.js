'use strict'
// The STS side: IncomingStsRequest checks a received GetCallerIdentity request the way STS does. Against
// the shared vector's forwarded request, requests signed by aws4 (an independent SigV4 signer) that are
// refused with the rule's code for every change after signing, and a stand-in STS on a node:http server
// (127.0.0.1) verifying what our ServerConversation forwards.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const http = require('node:http')
const path = require('node:path')
const aws4 = require('aws4')
const { VECTORS, read, code } = require('./helpers.js')
const m = require('..')

const VEC = path.join(VECTORS, 'mongodb-aws-getcalleridentity')
const inputs = JSON.parse(read(VEC, 'inputs.json'))
const VEC_TIME = new Date('2015-08-30T12:36:00Z')
const AKID = 'AKIDEXAMPLE'
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
const BODY = 'Action=GetCallerIdentity&Version=2011-06-15'
const REGIONS = { 'sts.amazonaws.com': 'us-east-1', 'sts.us-west-2.amazonaws.com': 'us-west-2' }

/** `s` with its first character replaced by a different one (never equal to `s`). */
const altered = (s) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)

/** The headers a MongoDB server forwards for the vector: its canonical request's header lines plus
 *  its Authorization (read from the vector's files, not computed). */
function vectorHeaders(variant) {
  const lines = read(VEC, variant, 'canonical-request.txt').split('\n')
  const end = lines.indexOf('', 3)
  const pairs = lines.slice(3, end).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)])
  return [...pairs, ['Authorization', read(VEC, variant, 'authorization.txt').trim()]]
}

for (const variant of ['with-session-token', 'without-session-token']) {
  test(`shared vector (${variant}): accepted with the right secret and token, refused otherwise`, () => {
    const token = variant === 'with-session-token' ? inputs.session_token : undefined
    const r = new m.IncomingStsRequest({ method: 'POST', url: '/', headers: vectorHeaders(variant), body: BODY })
    assert.equal(r.accessKeyId, AKID)
    assert.equal(r.host, 'sts.amazonaws.com')
    assert.equal(r.region, 'us-east-1')
    assert.equal(r.amzDate, '20150830T123600Z')
    assert.deepEqual(r.date, VEC_TIME)
    assert.equal(r.sessionToken, token)
    assert.equal(r.serverNonce, inputs.server_nonce_base64)
    r.verify(SECRET, token, { now: VEC_TIME })
    r.verify(SECRET, token, { now: VEC_TIME.getTime() + 900_000 })
    r.verify(SECRET, token, { now: VEC_TIME.getTime() - 900_000 })
    code(() => r.verify(SECRET, token, { now: VEC_TIME.getTime() + 901_000 }), 'REQUEST_TIME_SKEWED', m.ServerConversationError)
    code(() => r.verify(SECRET, token, { now: VEC_TIME.getTime() - 901_000 }), 'REQUEST_TIME_SKEWED', m.ServerConversationError)
    const e = code(() => r.verify(altered(SECRET), token, { now: VEC_TIME }), 'SIGNATURE_MISMATCH', m.ServerConversationError)
    assert.ok(!e.message.includes(SECRET) && !e.message.includes(altered(SECRET)))
    code(() => r.verify(SECRET, token ? undefined : 'token', { now: VEC_TIME }), 'SESSION_TOKEN_MISMATCH', m.ServerConversationError)
    if (token) code(() => r.verify(SECRET, altered(token), { now: VEC_TIME }), 'SESSION_TOKEN_MISMATCH', m.ServerConversationError)
    // Other header shapes: a plain object (upper-case names), a Map, Node's flat rawHeaders; path + query.
    const pairs = vectorHeaders(variant)
    const shapes = [Object.fromEntries(pairs.map(([n, v]) => [n.toUpperCase(), v])), new Map(pairs), pairs.flat()]
    for (const headers of shapes) {
      new m.IncomingStsRequest({ method: 'POST', path: '/', query: '', headers, body: Buffer.from(BODY) }).verify(SECRET, token, { now: VEC_TIME })
    }
  })
}

/** What a MONGODB-AWS client sends, signed by aws4 at `date`. */
function aws4Signed(host, creds, date) {
  const req = aws4.sign(
    {
      host,
      method: 'POST',
      path: '/',
      service: 'sts',
      region: REGIONS[host],
      body: BODY,
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': String(BODY.length),
        'X-MongoDB-Server-Nonce': crypto.randomBytes(64).toString('base64'),
        'X-MongoDB-GS2-CB-Flag': 'n',
        'X-Amz-Date': date.toISOString().replace(/[:-]|\.\d{3}/g, ''),
      },
    },
    creds,
  )
  return { ...req.headers, Host: host }
}

function key(withToken) {
  return {
    accessKeyId: 'AKIA' + crypto.randomBytes(8).toString('hex').toUpperCase(),
    secretAccessKey: crypto.randomBytes(30).toString('base64'),
    sessionToken: withToken ? crypto.randomBytes(300).toString('base64') : undefined,
  }
}

for (const host of Object.keys(REGIONS)) {
  for (const withToken of [false, true]) {
    test(`aws4-signed request to ${host}${withToken ? ' with a session token' : ''}: accepted; every change refused`, () => {
      const creds = key(withToken)
      const when = new Date('2026-12-03T13:59:30Z')
      const headers = aws4Signed(host, creds, when)
      const r = new m.IncomingStsRequest({ method: 'POST', url: '/', headers, body: BODY })
      assert.equal(r.accessKeyId, creds.accessKeyId)
      assert.equal(r.region, REGIONS[host])
      assert.equal(r.amzDate, '20261203T135930Z')
      assert.equal(r.sessionToken, creds.sessionToken)
      assert.equal(r.serverNonce, headers['X-MongoDB-Server-Nonce'])
      r.verify(creds.secretAccessKey, creds.sessionToken, { now: when.getTime() + 60_000 })
      const refused = (h, expected) =>
        code(() => new m.IncomingStsRequest({ method: 'POST', url: '/', headers: h, body: BODY }).verify(creds.secretAccessKey, creds.sessionToken, { now: when }), expected)
      refused(aws4Signed(host, { ...creds, secretAccessKey: altered(creds.secretAccessKey) }, when), 'SIGNATURE_MISMATCH')
      const changes = [
        ['X-MongoDB-Server-Nonce', crypto.randomBytes(64).toString('base64')],
        ['X-MongoDB-GS2-CB-Flag', 'y'],
        ['X-Amz-Date', '20261203T135931Z'],
        ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
        ['Content-Length', '44'],
      ]
      for (const [name, value] of changes) refused({ ...headers, [name]: value }, 'SIGNATURE_MISMATCH')
      if (withToken) refused({ ...headers, 'X-Amz-Security-Token': altered(creds.sessionToken) }, 'SESSION_TOKEN_MISMATCH')
      // Unsigned headers may change; the default clock is the current time.
      const fresh = aws4Signed(host, creds, new Date())
      new m.IncomingStsRequest({ method: 'POST', url: '/', headers: { ...fresh, 'User-Agent': 'x', Accept: 'application/json' }, body: BODY }).verify(creds.secretAccessKey, creds.sessionToken)
    })
  }
}

test('checks that need no secret, each with its code', () => {
  const creds = key(true)
  const h = aws4Signed('sts.us-west-2.amazonaws.com', creds, new Date('2026-12-03T12:00:00Z'))
  const auth = h.Authorization
  const without = (name) => Object.fromEntries(Object.entries(h).filter(([n]) => n.toLowerCase() !== name.toLowerCase()))
  const req = (over) => ({ method: 'POST', url: '/', headers: h, body: BODY, ...over })
  const cases = [
    [req({ method: 'GET' }), 'NOT_GET_CALLER_IDENTITY'],
    [req({ url: '/x' }), 'NOT_GET_CALLER_IDENTITY'],
    [req({ url: '/?Action=GetCallerIdentity' }), 'NOT_GET_CALLER_IDENTITY'],
    [req({ body: BODY + '&x=1' }), 'NOT_GET_CALLER_IDENTITY'],
    [req({ headers: without('Authorization') }), 'MISSING_AUTHORIZATION'],
    [req({ headers: [...Object.entries(h), ['authorization', auth]] }), 'DUPLICATE_HEADER'],
    [req({ headers: [...Object.entries(h), ['x-amz-date', h['X-Amz-Date']]] }), 'DUPLICATE_HEADER'],
    [req({ headers: without('X-MongoDB-GS2-CB-Flag') }), 'SIGNED_HEADER_ABSENT'],
    [req({ headers: { ...h, Host: 'sts.amazonaws.com' } }), 'CREDENTIAL_SCOPE_REGION_MISMATCH'],
    [req({ headers: { ...h, 'X-Amz-Date': '20261204T120000Z' } }), 'CREDENTIAL_SCOPE_DATE_MISMATCH'],
    [req({ headers: { ...h, 'X-Amz-Date': '2026-12-03' } }), 'INVALID_AMZ_DATE'],
    [req({ headers: { ...h, Authorization: auth.replace('host;', '') } }), 'SIGNED_HEADERS_INVALID'],
    [req({ headers: { ...h, Authorization: auth.replace('x-amz-security-token;', '') } }), 'SESSION_TOKEN_SIGNING'],
  ]
  for (const [r, expected] of cases) code(() => new m.IncomingStsRequest(r), expected)
  // Arguments of the wrong type are TypeErrors.
  assert.throws(() => new m.IncomingStsRequest(null), TypeError)
  assert.throws(() => new m.IncomingStsRequest({ method: 'POST', url: '/', headers: ['a'], body: BODY }), TypeError)
  assert.throws(() => new m.IncomingStsRequest({ method: 'POST', url: '/', headers: h, body: 5 }), TypeError)
  const ok = new m.IncomingStsRequest(req({}))
  assert.throws(() => ok.verify(undefined), TypeError)
  code(() => ok.verify(creds.secretAccessKey, creds.sessionToken, { now: -1 }), 'INVALID_TIME')
})

test('a stand-in STS on node:http verifies what our ServerConversation forwards; replays are refused', async () => {
  const creds = key(true)
  const keys = new Map([[creds.accessKeyId, creds]])
  const seen = new Set()
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      let status = 200
      let text = 'ok'
      try {
        const r = new m.IncomingStsRequest({ method: req.method, url: req.url, headers: req.rawHeaders, body: Buffer.concat(chunks) })
        const k = keys.get(r.accessKeyId)
        if (!k) throw Object.assign(new Error('unknown key'), { code: 'UNKNOWN_ACCESS_KEY_ID' })
        r.verify(k.secretAccessKey, k.sessionToken)
        if (seen.has(r.serverNonce)) throw Object.assign(new Error('replayed'), { code: 'NONCE_REPLAYED' })
        seen.add(r.serverNonce)
        text = `arn:aws:iam::123456789012:user/${r.accessKeyId}`
      } catch (e) {
        status = 403
        text = e.code
      }
      res.writeHead(status, { 'Content-Type': 'text/plain' })
      res.end(text)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = server.address().port
  const post = (stsReq) =>
    new Promise((resolve, reject) => {
      const c = http.request({ host: '127.0.0.1', port, method: stsReq.method, path: stsReq.path, headers: stsReq.headerList }, (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve([res.statusCode, body]))
      })
      c.on('error', reject)
      c.end(stsReq.body)
    })
  try {
    const conversation = async (secret) => {
      const client = new m.ClientConversation()
      const srv = new m.ServerConversation(client.clientFirst(), { stsHost: 'sts.us-west-2.amazonaws.com' })
      const final = client.finish(srv.serverFirst(), new m.Credentials(creds.accessKeyId, secret, creds.sessionToken))
      return srv.clientFinal(final)
    }
    const stsReq = await conversation(creds.secretAccessKey)
    assert.deepEqual(await post(stsReq), [200, `arn:aws:iam::123456789012:user/${creds.accessKeyId}`])
    assert.deepEqual(await post(stsReq), [403, 'NONCE_REPLAYED'])
    assert.deepEqual(await post(await conversation(altered(creds.secretAccessKey))), [403, 'SIGNATURE_MISMATCH'])
    keys.clear()
    assert.deepEqual(await post(await conversation(creds.secretAccessKey)), [403, 'UNKNOWN_ACCESS_KEY_ID'])
  } finally {
    server.close()
  }
})
