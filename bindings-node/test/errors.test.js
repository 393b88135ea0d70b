'use strict'
// Every error path of the Node API: each core error reachable from JavaScript, raised as the right
// class with the right code; every argument check; and the error table against core/src/error.rs.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { BSON } = require('mongodb')
const { ROOT, read } = require('./helpers.js')
const m = require('..')

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
const creds = new m.Credentials('AKIDEXAMPLE', SECRET)
const NOW = new Date('2015-08-30T12:36:00Z')
const FAMILY = {
  1: m.InvalidArgumentError,
  2: m.CredentialsError,
  3: m.ConversationError,
  4: m.ResponseError,
  5: m.ServerConversationError,
  9: m.InternalError,
}

const seen = new Set()
/** Asserts that fn throws the core error `code`, of the class its number block gives. */
function throwsCode(fn, code) {
  let err
  try {
    fn()
  } catch (e) {
    err = e
  }
  assert.ok(err, `expected ${code}, nothing thrown`)
  assert.ok(err instanceof m.MongoDBAWSError, `${code}: got ${err}`)
  assert.ok(err instanceof Error)
  assert.equal(err.code, code)
  const entry = m.errorTable().find((e) => e.code === code)
  assert.equal(err.number, entry.number)
  assert.ok(err instanceof FAMILY[Math.floor(entry.number / 100)], `${code}: ${err.name}`)
  assert.equal(err.name, FAMILY[Math.floor(entry.number / 100)].name)
  assert.ok(err.message.startsWith(entry.message), err.message)
  assert.ok(!err.message.includes(SECRET) && !err.stack.includes(SECRET))
  // The stack points at the caller, not only at index.js.
  assert.match(err.stack, /errors\.test\.js/)
  seen.add(code)
  return err
}

const sign = (req, opts = {}) => m.signV4({ path: '/', headers: { host: 'example.com' }, ...req }, creds, { region: 'us-east-1', service: 'sts', now: NOW, ...opts })

test('caller input errors (1xx) from signV4 / presignV4 / ClientConversation', () => {
  throwsCode(() => sign({ method: '' }), 'INVALID_METHOD')
  throwsCode(() => sign({ method: 'GE T' }), 'INVALID_METHOD')
  throwsCode(() => sign({ path: 'relative' }), 'INVALID_PATH')
  throwsCode(() => sign({ path: '/a\tb' }), 'INVALID_PATH')
  throwsCode(() => sign({ query: 'a=%zz' }), 'INVALID_QUERY')
  throwsCode(() => sign({ headers: { host: 'example.com', 'bad name': 'x' } }), 'INVALID_HEADER_NAME')
  throwsCode(() => sign({ headers: { host: 'example.com', '': 'x' } }), 'INVALID_HEADER_NAME')
  throwsCode(() => sign({ headers: { host: 'example.com', 'x-a': 'a\0b' } }), 'INVALID_HEADER_VALUE')
  throwsCode(() => sign({ headers: { host: 'example.com', 'x-a': 'a\nb' } }), 'INVALID_HEADER_VALUE')
  throwsCode(() => sign({ headers: { 'x-a': 'b' } }), 'MISSING_HOST_HEADER')
  throwsCode(() => sign({}, { region: '' }), 'INVALID_REGION')
  throwsCode(() => sign({}, { region: 'us/east' }), 'INVALID_REGION')
  throwsCode(() => sign({}, { service: '' }), 'INVALID_SERVICE')
  throwsCode(() => sign({}, { service: 'x'.repeat(65) }), 'INVALID_SERVICE')
  throwsCode(() => sign({}, { now: -1 }), 'INVALID_TIME')
  throwsCode(() => sign({}, { now: NaN }), 'INVALID_TIME')
  throwsCode(() => sign({}, { now: Infinity }), 'INVALID_TIME')
  throwsCode(() => sign({}, { now: new Date('10000-01-01T00:00:00Z') }), 'INVALID_TIME')
  throwsCode(() => sign({}, { now: new Date('invalid') }), 'INVALID_TIME')
  throwsCode(() => sign({ headers: { host: 'example.com', 'X-Amz-Date': '20150830T123601Z' } }), 'INVALID_AMZ_DATE')
  throwsCode(() => sign({ payloadHash: 'abc' }), 'INVALID_PAYLOAD_HASH')
  throwsCode(() => sign({ payloadHash: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' }), 'INVALID_PAYLOAD_HASH')
  const presign = (expires) => m.presignV4({ headers: { host: 'example.com' } }, creds, { region: 'us-east-1', service: 's3', now: NOW, expires })
  throwsCode(() => presign(0), 'INVALID_EXPIRES')
  throwsCode(() => presign(604801), 'INVALID_EXPIRES')
  throwsCode(() => presign(1.5), 'INVALID_EXPIRES')
  throwsCode(() => presign(-1), 'INVALID_EXPIRES')
  throwsCode(() => new m.ClientConversation(Buffer.alloc(31)), 'INVALID_PARAMETER')
  throwsCode(() => new m.ClientConversation(Buffer.alloc(33)), 'INVALID_PARAMETER')
  // A correct X-Amz-Date header is accepted.
  assert.equal(sign({ headers: { host: 'example.com', 'X-Amz-Date': '20150830T123600Z' } }).headers['X-Amz-Date'], undefined)
})

test('credentials errors (2xx)', () => {
  throwsCode(() => new m.Credentials('AKID'), 'MISSING_SECRET_ACCESS_KEY')
  throwsCode(() => new m.Credentials('AKID', '', 'token'), 'MISSING_SECRET_ACCESS_KEY')
  throwsCode(() => new m.Credentials({ secretAccessKey: SECRET }), 'MISSING_ACCESS_KEY_ID')
  throwsCode(() => new m.Credentials({ sessionToken: 'tok' }), 'SESSION_TOKEN_WITHOUT_KEYS')
  throwsCode(() => new m.Credentials({}), 'NO_CREDENTIALS')
  throwsCode(() => m.Credentials.fromEnv({}), 'NO_CREDENTIALS')
  throwsCode(() => m.Credentials.fromEnv({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: '' }), 'MISSING_SECRET_ACCESS_KEY')
  throwsCode(() => new m.Credentials('AKID-1', SECRET), 'INVALID_ACCESS_KEY_ID')
  throwsCode(() => new m.Credentials('A'.repeat(129), SECRET), 'INVALID_ACCESS_KEY_ID')
  throwsCode(() => new m.Credentials('AKID', 'has space'), 'INVALID_SECRET_ACCESS_KEY')
  throwsCode(() => new m.Credentials('AKID', 's'.repeat(129)), 'INVALID_SECRET_ACCESS_KEY')
  throwsCode(() => new m.Credentials('AKID', SECRET, 'tok en'), 'INVALID_SESSION_TOKEN')
  throwsCode(() => new m.Credentials('AKID', SECRET, 'tök'), 'INVALID_SESSION_TOKEN')
  // Plain credential objects passed to signing functions are validated the same way.
  throwsCode(() => m.signV4({ headers: { host: 'h' } }, { accessKeyId: 'AKID' }, { region: 'r', service: 's' }), 'MISSING_SECRET_ACCESS_KEY')
  // Empty token = no token (PROTOCOL.md A6).
  assert.equal(new m.Credentials('AKID', SECRET, '').sessionToken, undefined)
})

test('conversation errors (3xx): server-first validation', () => {
  const nonce = Buffer.alloc(32, 7)
  const conv = new m.ClientConversation(nonce)
  const s = Buffer.concat([nonce, Buffer.alloc(32, 9)])
  const doc = (o) => Buffer.from(BSON.serialize(o))
  const good = doc({ s: new BSON.Binary(s, 0), h: 'sts.amazonaws.com' })
  assert.equal(conv.parseServerFirst(good).region, 'us-east-1')
  const cases = [
    [Buffer.alloc(0), 'BSON_TRUNCATED'],
    [good.subarray(0, good.length - 1), 'BSON_TRUNCATED'],
    [Buffer.concat([good, Buffer.from([0])]), 'BSON_TRAILING_BYTES'],
    [Buffer.from('0500000001', 'hex'), 'BSON_MALFORMED'],
    [doc({ s: new BSON.Binary(s, 0), h: 'sts.amazonaws.com', u: 1 }), 'UNEXPECTED_FIELD'],
    [doc({ s: new BSON.Binary(s, 0) }), 'MISSING_FIELD'],
    [doc({ h: 'sts.amazonaws.com' }), 'MISSING_FIELD'],
    [doc({ s: s.toString('hex'), h: 'sts.amazonaws.com' }), 'WRONG_FIELD_TYPE'],
    [doc({ s: new BSON.Binary(s, 0), h: 5 }), 'WRONG_FIELD_TYPE'],
    [doc({ s: new BSON.Binary(s.subarray(0, 63), 0), h: 'sts.amazonaws.com' }), 'SERVER_NONCE_LENGTH'],
    [doc({ s: new BSON.Binary(Buffer.concat([s, Buffer.alloc(1)]), 0), h: 'sts.amazonaws.com' }), 'SERVER_NONCE_LENGTH'],
    [doc({ s: new BSON.Binary(Buffer.alloc(2), 0), h: 'sts.amazonaws.com' }), 'SERVER_NONCE_LENGTH'],
    [doc({ s: new BSON.Binary(Buffer.alloc(64, 1), 0), h: 'sts.amazonaws.com' }), 'SERVER_NONCE_MISMATCH'],
    [doc({ s: new BSON.Binary(s, 4), h: 'sts.amazonaws.com' }), 'SERVER_NONCE_SUBTYPE'],
    [doc({ s: new BSON.Binary(s, 0), h: '' }), 'HOST_EMPTY'],
    [doc({ s: new BSON.Binary(s, 0), h: 'a'.repeat(256) }), 'HOST_TOO_LONG'],
    [doc({ s: new BSON.Binary(s, 0), h: 'sts..com' }), 'HOST_EMPTY_LABEL'],
    [doc({ s: new BSON.Binary(s, 0), h: 'sts amazonaws.com' }), 'HOST_INVALID_CHARACTER'],
  ]
  // A duplicate field cannot be built with a JavaScript object: append a second `h` by hand.
  const h2 = Buffer.concat([Buffer.from([0x02, 0x68, 0x00, 0x02, 0, 0, 0, 0x78, 0x00])])
  const dup = Buffer.concat([good.subarray(0, good.length - 1), h2, Buffer.from([0])])
  dup.writeInt32LE(dup.length, 0)
  cases.push([dup, 'DUPLICATE_FIELD'])
  for (const [bytes, code] of cases) {
    throwsCode(() => conv.parseServerFirst(bytes), code)
    throwsCode(() => conv.finish(bytes, creds, { now: NOW }), code)
    throwsCode(() => conv.canonicalRequest(bytes, creds, { now: NOW }), code)
    throwsCode(() => conv.stringToSign(bytes, creds, { now: NOW }), code)
  }
  for (const [host, code] of [
    ['', 'HOST_EMPTY'],
    ['x'.repeat(256), 'HOST_TOO_LONG'],
    ['.a', 'HOST_EMPTY_LABEL'],
    ['a/b', 'HOST_INVALID_CHARACTER'],
  ]) {
    throwsCode(() => m.validateHost(host), code)
    throwsCode(() => m.regionForHost(host), code)
  }
  // Errors in the clock surface from finish too.
  throwsCode(() => conv.finish(good, creds, { now: -5 }), 'INVALID_TIME')
})

test('argument type checks are TypeErrors', () => {
  const conv = new m.ClientConversation()
  const sf = Buffer.alloc(10)
  const bad = [
    () => new m.ClientConversation('x'.repeat(32)),
    () => new m.ClientConversation(null),
    () => conv.parseServerFirst('abc'),
    () => conv.finish([1, 2], creds),
    () => conv.finish(sf, 'AKID:SECRET'),
    () => conv.finish(sf, null),
    () => conv.finish(sf, creds, { now: '2015-08-30' }),
    () => new m.Credentials(5, SECRET),
    () => new m.Credentials('AKID', SECRET, 5),
    () => new m.Credentials('AKID', SECRET, undefined, { expiration: 'tomorrow' }),
    () => new m.Credentials({ accessKeyId: 'AKID', secretAccessKey: SECRET, expiration: new Date('x') }),
    () => new m.Credentials({ accessKeyId: 'AKID', secretAccessKey: SECRET, source: 7 }),
    () => m.signV4(null, creds, { region: 'r', service: 's' }),
    () => m.signV4({ headers: { host: 'h' } }, creds),
    () => m.signV4({ headers: { host: 'h' } }, creds, { region: 1, service: 's' }),
    () => m.signV4({ headers: { host: 'h' } }, creds, { region: 'r', service: null }),
    () => m.signV4({ headers: { host: 'h', 'x-a': {} } }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ headers: [['host']] }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ headers: [[1, 'x']] }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ headers: 'host: h' }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ method: 1, headers: { host: 'h' } }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ path: 1, headers: { host: 'h' } }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ query: {}, headers: { host: 'h' } }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ body: 5, headers: { host: 'h' } }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ payloadHash: 5, headers: { host: 'h' } }, creds, { region: 'r', service: 's' }),
    () => m.signV4({ url: 'not a url' }, creds, { region: 'r', service: 's' }),
    () => m.validateHost(5),
    () => m.regionForHost(undefined),
  ]
  for (const fn of bad) assert.throws(fn, TypeError, fn.toString())
})

test('the error table matches core/src/error.rs, and makeError-style classes follow the blocks', () => {
  // Independent reading of the core's table: the source text of the errors! macro.
  const src = read(ROOT, 'core', 'src', 'error.rs')
  const re = /^\s*(\w+)(?:\s*\{[^}]*\})?\s*=\s*(\d+),\s*"([A-Z0-9_]+)",\s*\n?\s*"((?:[^"\\]|\\.)*)";/gm
  const fromSource = [...src.matchAll(re)].map((x) => ({ code: x[3], number: Number(x[2]), message: x[4].replace(/\\(['"\\])/g, '$1') }))
  assert.ok(fromSource.length >= 30, `parsed ${fromSource.length} entries`)
  assert.deepEqual([...m.errorTable()], fromSource)
  for (const e of m.errorTable()) {
    assert.ok(Object.isFrozen(e))
    const Cls = FAMILY[Math.floor(e.number / 100)]
    assert.ok(Cls, `no class for block of ${e.code}`)
  }
  const e = new m.CredentialsError('msg', 'NO_CREDENTIALS', 206, { cause: new Error('inner') })
  assert.equal(e.cause.message, 'inner')
  assert.equal(e.name, 'CredentialsError')
})

test('coverage of the error table from JavaScript', (t) => {
  // Reached only through credential providers, or not reachable from the Node API at all.
  const elsewhere = {
    BUFFER_TOO_SMALL: 'the binding sizes every output buffer itself',
    CREDENTIALS_EXPIRED: 'raised by credential providers',
    SIGNING_KEY_MISMATCH: 'the binding derives and caches signing keys itself',
    TOO_MANY_HEADERS: 'the core signer has no header limit any more',
    LENGTH_OVERFLOW: 'needs inputs larger than 2 GiB',
  }
  const missing = m
    .errorTable()
    .filter((e) => e.number < 400 && !seen.has(e.code) && !(e.code in elsewhere))
    .map((e) => e.code)
  // New codes in the lower blocks should get a test here; list them rather than fail other work.
  if (missing.length) t.diagnostic(`core errors without a Node test: ${missing.join(', ')}`)
  assert.ok(seen.size >= 34, `only ${seen.size} codes exercised`)
})
