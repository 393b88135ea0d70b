'use strict'
// getCredentials() and the explicit providers against the repository's AWS endpoint emulators
// (tests/emulators/aws_endpoints.py: ECS, container full URI, IMDSv2) and small loopback STS
// stand-ins written here. Only loopback addresses are contacted.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { spawn } = require('node:child_process')
const { SignatureV4 } = require('@smithy/signature-v4')
const { Sha256 } = require('@aws-crypto/sha256-js')
const { ROOT } = require('./helpers.js')
const m = require('..')

const EMULATOR = path.join(ROOT, 'tests', 'emulators', 'aws_endpoints.py')
const PYTHON = process.env.PYTHON ?? 'python3'

/** Starts the emulator; it exits when our end of its stdin closes. */
async function startEmulator() {
  const child = spawn(PYTHON, [EMULATOR, '--port', '0', '--exit-on-stdin-eof'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d) => {
      buf += d
      const i = buf.indexOf('\n')
      if (i >= 0) resolve(buf.slice(0, i))
    })
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
  })
  const info = JSON.parse(line)
  const api = async (p, body) => {
    const r = await fetch(info.url + p, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
    return r.json()
  }
  return {
    url: info.url,
    config: (c) => api('/_emulator/config', c),
    reset: async () => {
      await api('/_emulator/reset', {})
      await api('/_emulator/config', { mode: 'normal', target: 'all', delay: 0, expires_in: 3600, expiration_format: 'iso', auth_token: null, hang_seconds: 30 })
    },
    stats: () => api('/_emulator/stats'),
    stop: () => {
      child.stdin.end()
      child.kill()
    },
  }
}

/** Asserts that `p` rejects with the MongoDBAWSError `code` (of the class its block gives). */
async function rejectsCode(p, code, Cls) {
  let err
  try {
    await p
  } catch (e) {
    err = e
  }
  assert.ok(err, `expected ${code}, got a result`)
  assert.ok(err instanceof m.MongoDBAWSError, `expected ${code}, got ${err?.stack ?? err}`)
  assert.equal(err.code, code, err.message)
  if (Cls) assert.ok(err instanceof Cls, err.name)
  return err
}

let emu
test.before(async () => {
  emu = await startEmulator()
})
test.after(() => emu?.stop())
test.beforeEach(async () => {
  m.clearCredentialCache()
  await emu.reset()
})

const ecsEnv = () => ({ MONGODB_AWS_ECS_ENDPOINT: emu.url, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/task-1' })

test('ECS: credentials, source, expiration; cached while fresh', async () => {
  const before = Date.now()
  const c = await m.getCredentials({ env: ecsEnv() })
  assert.ok(c instanceof m.Credentials)
  assert.equal(c.source, 'ecs')
  assert.match(c.accessKeyId, /^ASIAEMU\d+$/)
  assert.match(c.secretAccessKey, /^emuSecret\//)
  assert.match(c.sessionToken, /^emuToken\/\//)
  const left = c.expiration.getTime() - before
  assert.ok(left > 3500_000 && left <= 3601_000, `expiration ${c.expiration.toISOString()}`)
  // Second call: the cache answers (same key, one request in all).
  const again = await m.getCredentials({ env: ecsEnv() })
  assert.equal(again.accessKeyId, c.accessKeyId)
  assert.equal(m.cachedCredentials(), c)
  assert.deepEqual((await emu.stats()).counts, { ecs: 1 })
  // The cache wins over environment variables that appear later (spec), until it is cleared.
  const withEnv = { ...ecsEnv(), AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'secret' }
  assert.equal((await m.getCredentials({ env: withEnv })).accessKeyId, c.accessKeyId)
  m.clearCredentialCache()
  const fromEnv = await m.getCredentials({ env: withEnv })
  assert.equal(fromEnv.accessKeyId, 'AKIDENV')
  assert.equal(fromEnv.source, 'environment')
  assert.equal(m.cachedCredentials(), undefined, 'environment credentials are never cached')
  const next = await m.getCredentials({ env: ecsEnv() })
  assert.notEqual(next.accessKeyId, c.accessKeyId)
  assert.deepEqual((await emu.stats()).counts, { ecs: 2 })
})

test('concurrent callers share one fetch; a clear during a fetch keeps its result out of the cache', async () => {
  await emu.config({ delay: 0.4 })
  const all = await Promise.all(Array.from({ length: 8 }, () => m.getCredentials({ env: ecsEnv() })))
  assert.equal(new Set(all.map((c) => c.accessKeyId)).size, 1)
  assert.deepEqual((await emu.stats()).counts, { ecs: 1 })
  // The cache is not locked while a fetch runs: readers are answered at once.
  m.clearCredentialCache()
  await emu.reset()
  await emu.config({ delay: 0.4 })
  const first = await m.getCredentials({ env: ecsEnv() })
  const slow = (async () => {
    m.clearCredentialCache()
    return m.getCredentials({ env: ecsEnv() })
  })()
  const t0 = Date.now()
  assert.equal(m.cachedCredentials(), undefined)
  m.clearCredentialCache() // clear while the fetch runs: its result must not be stored
  const late = await slow
  assert.ok(Date.now() - t0 >= 300)
  assert.notEqual(late.accessKeyId, first.accessKeyId)
  assert.equal(m.cachedCredentials(), undefined)
})

test('freshness: within 5 minutes of expiry every call fetches; expired answers are refused', async () => {
  await emu.config({ expires_in: 200 })
  const a = await m.getCredentials({ env: ecsEnv() })
  const b = await m.getCredentials({ env: ecsEnv() })
  assert.notEqual(a.accessKeyId, b.accessKeyId)
  await emu.config({ expires_in: 301, expiration_format: 'epoch' })
  m.clearCredentialCache()
  const c = await m.getCredentials({ env: ecsEnv() })
  // With a clock 2 seconds ahead, 301 s left is inside the window: fetch again.
  const d = await m.getCredentials({ env: ecsEnv(), now: () => Date.now() + 2000 })
  assert.notEqual(c.accessKeyId, d.accessKeyId)
  await emu.config({ expires_in: -10 })
  m.clearCredentialCache()
  await rejectsCode(m.getCredentials({ env: ecsEnv() }), 'CREDENTIALS_EXPIRED', m.CredentialsError)
  assert.equal(m.cachedCredentials(), undefined)
})

test('container full URI: authorization token from the variable or (re-read) from a file', async () => {
  const env = { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${emu.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'tok-env' }
  await emu.config({ auth_token: 'tok-env' })
  const c = await m.getCredentials({ env })
  assert.equal(c.source, 'container-full-uri')
  assert.equal((await emu.stats()).last_auth, 'tok-env')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mongodb-aws-node-'))
  const file = path.join(dir, 'token')
  fs.writeFileSync(file, 'tok-file-1\n')
  const withFile = { ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file }
  await emu.config({ auth_token: 'tok-file-1' })
  m.clearCredentialCache()
  await m.getCredentials({ env: withFile })
  assert.equal((await emu.stats()).last_auth, 'tok-file-1', 'the file wins, its newline stripped')
  fs.writeFileSync(file, 'tok-file-2')
  m.clearCredentialCache()
  const e = await rejectsCode(m.getCredentials({ env: withFile }), 'ENDPOINT_HTTP_STATUS', m.ResponseError)
  assert.equal(e.httpStatus, 401)
  assert.equal((await emu.stats()).last_auth, 'tok-file-2')
  await rejectsCode(m.getCredentials({ env: { ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: path.join(dir, 'missing') } }), 'INVALID_AUTHORIZATION_TOKEN')
  fs.rmSync(dir, { recursive: true })
  // Plain http only to loopback and the container agents: refused before any request.
  await rejectsCode(m.getCredentials({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://192.0.2.10/creds' } }), 'FORBIDDEN_CONTAINER_HOST', m.InvalidArgumentError)
  // ECS takes precedence over the full URI.
  m.clearCredentialCache()
  assert.equal((await m.getCredentials({ env: { ...env, ...ecsEnv() } })).source, 'ecs')
})

test('EC2 IMDSv2: token (TTL 30), role, credentials; failures of each step', async () => {
  const env = { MONGODB_AWS_EC2_METADATA_ENDPOINT: emu.url }
  const c = await m.getCredentials({ env })
  assert.equal(c.source, 'ec2')
  const s = await emu.stats()
  assert.equal(s.last_ttl, '30')
  assert.deepEqual(s.counts, { 'imds-token': 1, 'imds-role': 1, 'imds-creds': 1 })
  // AWS SDK's variable works too.
  m.clearCredentialCache()
  assert.equal((await m.getCredentials({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: emu.url } })).source, 'ec2')
  const fail = async (config, code, options = {}) => {
    m.clearCredentialCache()
    await emu.reset()
    await emu.config(config)
    return rejectsCode(m.getCredentials({ env, ...options }), code)
  }
  const t0 = Date.now()
  await fail({ mode: 'hang', target: 'imds-token', hang_seconds: 3 }, 'IMDS_TOKEN_TIMEOUT', { timeouts: { imds: 300 } })
  assert.ok(Date.now() - t0 < 2500, 'the timeout is short')
  await fail({ mode: 'hang', target: 'imds-creds', hang_seconds: 3 }, 'ENDPOINT_TIMEOUT', { timeouts: { imds: 300 } })
  await fail({ mode: 'code', target: 'imds-creds' }, 'IMDS_CODE_NOT_SUCCESS')
  await fail({ mode: 'empty-role', target: 'imds-role' }, 'NO_INSTANCE_ROLE')
  await fail({ mode: 'status', status: 503, target: 'imds-token' }, 'ENDPOINT_HTTP_STATUS')
  await fail({ mode: 'malformed', target: 'imds-creds' }, 'JSON_MALFORMED')
  // AWS_METADATA_SERVICE_TIMEOUT (seconds) sets the IMDS timeout.
  const t1 = Date.now()
  await fail({ mode: 'hang', target: 'imds-token', hang_seconds: 3 }, 'IMDS_TOKEN_TIMEOUT', { env: { ...env, AWS_METADATA_SERVICE_TIMEOUT: '0.3' } })
  assert.ok(Date.now() - t1 < 2500)
})

test('endpoint failures map to the core codes', async () => {
  const fail = async (config, code, options = {}) => {
    m.clearCredentialCache()
    await emu.reset()
    await emu.config(config)
    return rejectsCode(m.getCredentials({ env: ecsEnv(), ...options }), code)
  }
  const e = await fail({ mode: 'status', status: 500 }, 'ENDPOINT_HTTP_STATUS')
  assert.equal(e.httpStatus, 500)
  assert.match(e.message, /HTTP 500/)
  await fail({ mode: 'malformed' }, 'JSON_MALFORMED')
  await fail({ mode: 'html' }, 'JSON_MALFORMED')
  await fail({ mode: 'truncated' }, 'ENDPOINT_BAD_RESPONSE')
  await fail({ mode: 'hang', hang_seconds: 3 }, 'ENDPOINT_TIMEOUT', { timeouts: { endpoint: 300 } })
  // JSON with escaped slashes is fine.
  m.clearCredentialCache()
  await emu.config({ mode: 'normal', escape_slashes: true })
  assert.match((await m.getCredentials({ env: ecsEnv() })).secretAccessKey, /^emuSecret\//)
  // A closed port: unreachable.
  const srv = http.createServer()
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  const port = srv.address().port
  await new Promise((r) => srv.close(r))
  m.clearCredentialCache()
  await rejectsCode(
    m.getCredentials({ env: { MONGODB_AWS_ECS_ENDPOINT: `http://127.0.0.1:${port}`, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x' } }),
    'ENDPOINT_UNREACHABLE',
    m.ResponseError,
  )
  // Bodies above the core's limit are refused.
  const big = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ pad: 'x'.repeat(70_000) }))
  })
  await new Promise((r) => big.listen(0, '127.0.0.1', r))
  m.clearCredentialCache()
  await rejectsCode(
    m.getCredentials({ env: { MONGODB_AWS_ECS_ENDPOINT: `http://127.0.0.1:${big.address().port}`, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x' } }),
    'ENDPOINT_BAD_RESPONSE',
  )
  big.close()
  // Invalid configuration is reported before any request.
  await rejectsCode(m.getCredentials({ env: { MONGODB_AWS_ECS_ENDPOINT: emu.url, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: 'no-slash' } }), 'INVALID_RELATIVE_URI')
  await rejectsCode(m.getCredentials({ env: { MONGODB_AWS_ECS_ENDPOINT: 'ftp://x', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x' } }), 'INVALID_ENDPOINT_URL')
})

test('environment: the spec combinations; custom provider first; nothing configured', async () => {
  const env = (o) => m.getCredentials({ env: o })
  const c = await env({ AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'sec', AWS_SESSION_TOKEN: 'tok', ...ecsEnv() })
  assert.deepEqual([c.accessKeyId, c.secretAccessKey, c.sessionToken, c.source, c.expiration], ['AKIDENV', 'sec', 'tok', 'environment', undefined])
  assert.equal((await env({ AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'sec', AWS_SESSION_TOKEN: '' })).sessionToken, undefined)
  const e1 = await rejectsCode(env({ AWS_ACCESS_KEY_ID: 'AKIDENV', ...ecsEnv() }), 'MISSING_SECRET_ACCESS_KEY', m.CredentialsError)
  assert.equal(e1.message, 'ACCESS_KEY_ID is set, but SECRET_ACCESS_KEY is missing')
  await rejectsCode(env({ AWS_SECRET_ACCESS_KEY: 'sec' }), 'MISSING_ACCESS_KEY_ID')
  await rejectsCode(env({ AWS_SESSION_TOKEN: 'tok' }), 'SESSION_TOKEN_WITHOUT_KEYS')
  await rejectsCode(env({ AWS_EC2_METADATA_DISABLED: 'true' }), 'NO_CREDENTIALS', m.CredentialsError)
  assert.deepEqual((await emu.stats()).counts, {}, 'no endpoint was asked')
  // A custom provider wins over everything and is not cached.
  let calls = 0
  const provider = async () => ({ accessKeyId: `AKIDCUSTOM${++calls}`, secretAccessKey: 'sec' })
  const p1 = await m.getCredentials({ env: ecsEnv(), provider })
  const p2 = await m.getCredentials({ env: ecsEnv(), provider })
  assert.deepEqual([p1.accessKeyId, p2.accessKeyId, p1.source], ['AKIDCUSTOM1', 'AKIDCUSTOM2', 'custom-provider'])
  await rejectsCode(m.getCredentials({ provider: async () => null }), 'NO_CREDENTIALS')
  await rejectsCode(m.getCredentials({ provider: async () => ({ accessKeyId: 'AKID' }) }), 'MISSING_SECRET_ACCESS_KEY')
  await assert.rejects(m.getCredentials({ provider: 'x' }), TypeError)
})

test('credentialProvider() gives the AWS SDK shape the driver expects', async () => {
  const f = m.credentialProvider({ env: ecsEnv() })
  const r = await f()
  assert.deepEqual(Object.keys(r).sort(), ['accessKeyId', 'expiration', 'secretAccessKey', 'sessionToken'])
  assert.ok(r.expiration instanceof Date)
  assert.equal((await f()).accessKeyId, r.accessKeyId)
  m.clearCredentialCache() // (cached endpoint credentials would win over the environment)
  const plain = await m.credentialProvider({ env: { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'sec' } })()
  assert.deepEqual(plain, { accessKeyId: 'AKIDENV', secretAccessKey: 'sec' })
})

// ---------------------------------------------------------------------------------------------
// STS stand-ins
// ---------------------------------------------------------------------------------------------

/** A loopback server; `handler(req, body)` returns [status, headers, body]. */
async function stsStandIn(handler) {
  const requests = []
  const srv = http.createServer(async (req, res) => {
    const chunks = []
    for await (const c of req) chunks.push(c)
    const body = Buffer.concat(chunks).toString('utf8')
    requests.push({ method: req.method, url: req.url, headers: req.headers, body })
    const [status, headers, out] = await handler(req, body)
    res.writeHead(status, headers)
    res.end(out)
  })
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${srv.address().port}`, requests, close: () => srv.close() }
}

const EXP = Math.floor(Date.now() / 1000) + 3600

/** AssumeRoleWithWebIdentity answer in STS's JSON shape (Expiration in epoch seconds). */
function webIdentityJson() {
  return JSON.stringify({
    AssumeRoleWithWebIdentityResponse: {
      AssumeRoleWithWebIdentityResult: {
        AssumedRoleUser: { Arn: 'arn:aws:sts::123456789012:assumed-role/irsa/session', AssumedRoleId: 'AROAEXAMPLE:session' },
        Credentials: { AccessKeyId: 'ASIAWEBID', SecretAccessKey: 'webSecret/x', SessionToken: 'webToken', Expiration: EXP },
        Provider: 'oidc',
        SubjectFromWebIdentityToken: 'system:serviceaccount:ns:sa',
      },
      ResponseMetadata: { RequestId: '1' },
    },
  })
}

const STS_ERROR_XML = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key from your identity provider</Message></Error>
  <RequestId>2</RequestId>
</ErrorResponse>`

test('web identity: form body, token file re-read, session name, STS errors', async () => {
  let fail = false
  const sts = await stsStandIn(async () => (fail ? [400, { 'content-type': 'text/xml' }, STS_ERROR_XML] : [200, { 'content-type': 'application/json' }, webIdentityJson()]))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mongodb-aws-node-'))
  const file = path.join(dir, 'token')
  fs.writeFileSync(file, 'eyJhbGciOiJSUzI1NiJ9.payload+/=.sig\n')
  const env = {
    AWS_WEB_IDENTITY_TOKEN_FILE: file,
    AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa',
    MONGODB_AWS_STS_ENDPOINT: sts.url,
    ...ecsEnv(), // web identity comes first
  }
  try {
    const c = await m.getCredentials({ env })
    assert.deepEqual([c.accessKeyId, c.secretAccessKey, c.sessionToken, c.source], ['ASIAWEBID', 'webSecret/x', 'webToken', 'web-identity'])
    assert.equal(c.expiration.getTime(), EXP * 1000)
    const r = sts.requests[0]
    assert.equal(r.method, 'POST')
    assert.equal(r.url, '/')
    assert.equal(r.headers.accept, 'application/json')
    assert.match(r.headers['content-type'], /^application\/x-www-form-urlencoded/)
    assert.equal(r.headers.authorization, undefined, 'the call is unsigned')
    const form = new URLSearchParams(r.body)
    assert.equal(form.get('Action'), 'AssumeRoleWithWebIdentity')
    assert.equal(form.get('Version'), '2011-06-15')
    assert.equal(form.get('RoleArn'), env.AWS_ROLE_ARN)
    assert.equal(form.get('WebIdentityToken'), 'eyJhbGciOiJSUzI1NiJ9.payload+/=.sig', 'newline stripped, + kept')
    assert.match(form.get('RoleSessionName'), /^mongodb-aws-[0-9a-f]{32}$/)
    // Cached like other endpoint credentials; the token file is read again on the next fetch.
    await m.getCredentials({ env })
    assert.equal(sts.requests.length, 1)
    fs.writeFileSync(file, 'second-token')
    m.clearCredentialCache()
    await m.getCredentials({ env: { ...env, AWS_ROLE_SESSION_NAME: 'my+session@x' } })
    const f2 = new URLSearchParams(sts.requests[1].body)
    assert.equal(f2.get('WebIdentityToken'), 'second-token')
    assert.equal(f2.get('RoleSessionName'), 'my+session@x')
    // STS errors carry STS's code and message.
    fail = true
    m.clearCredentialCache()
    const e = await rejectsCode(m.getCredentials({ env }), 'ENDPOINT_HTTP_STATUS')
    assert.equal(e.stsCode, 'InvalidIdentityToken')
    assert.match(e.message, /HTTP 400: STS InvalidIdentityToken Couldn't retrieve/)
    // Invalid inputs.
    await rejectsCode(m.getCredentials({ env: { ...env, AWS_ROLE_ARN: 'not-an-arn' } }), 'INVALID_ROLE_ARN')
    await rejectsCode(m.getCredentials({ env: { ...env, AWS_WEB_IDENTITY_TOKEN_FILE: path.join(dir, 'none') } }), 'INVALID_WEB_IDENTITY_TOKEN')
    await rejectsCode(m.getCredentials({ env: { ...env, MONGODB_AWS_STS_ENDPOINT: 'http://192.0.2.1:1' } }), 'INVALID_ENDPOINT_URL')
  } finally {
    sts.close()
    fs.rmSync(dir, { recursive: true })
  }
})

test('assumeRole: the request is SigV4-signed (checked with @smithy/signature-v4) and parsed (XML)', async () => {
  const base = new m.Credentials('AKIDBASE', 'baseSecret/abc', 'baseToken')
  const sts = await stsStandIn(async (req, body) => {
    // Re-sign what arrived with smithy, over the headers our request says it signed.
    const auth = req.headers.authorization
    const signedNames = /SignedHeaders=([^,]+)/.exec(auth)[1].split(';')
    const headers = {}
    for (const n of signedNames) headers[n] = req.headers[n]
    const d = req.headers['x-amz-date']
    const signingDate = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`)
    const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDBASE', secretAccessKey: 'baseSecret/abc', sessionToken: 'baseToken' }, region: 'us-east-1', service: 'sts', sha256: Sha256, applyChecksum: false })
    const signed = await signer.sign({ method: req.method, protocol: 'http:', hostname: req.headers.host, path: req.url, headers, body }, { signingDate })
    if (signed.headers.authorization !== auth) return [403, { 'content-type': 'text/xml' }, '<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error></ErrorResponse>']
    const exp = new Date(EXP * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    return [
      200,
      { 'content-type': 'text/xml' },
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
        <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/s1</Arn><AssumedRoleId>AROA:s1</AssumedRoleId></AssumedRoleUser>
        <Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>roleSecret</SecretAccessKey><SessionToken>roleToken</SessionToken><Expiration>${exp}</Expiration></Credentials>
      </AssumeRoleResult></AssumeRoleResponse>`,
    ]
  })
  try {
    const provider = m.assumeRole({
      roleArn: 'arn:aws:iam::123456789012:role/demo',
      roleSessionName: 's1',
      externalId: 'ext-123',
      durationSeconds: 900,
      baseCredentials: base,
      env: { MONGODB_AWS_STS_ENDPOINT: sts.url },
    })
    const c = await provider()
    assert.deepEqual([c.accessKeyId, c.secretAccessKey, c.sessionToken, c.source], ['ASIAROLE', 'roleSecret', 'roleToken', 'assume-role'])
    assert.equal(c.expiration.getTime(), EXP * 1000)
    const form = new URLSearchParams(sts.requests[0].body)
    assert.deepEqual(
      [form.get('Action'), form.get('RoleArn'), form.get('RoleSessionName'), form.get('ExternalId'), form.get('DurationSeconds')],
      ['AssumeRole', 'arn:aws:iam::123456789012:role/demo', 's1', 'ext-123', '900'],
    )
    assert.match(sts.requests[0].headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDBASE\/\d{8}\/us-east-1\/sts\/aws4_request, SignedHeaders=.*x-amz-security-token/)
    // The base credentials default to the chain.
    const fromChain = m.assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/demo', env: { MONGODB_AWS_STS_ENDPOINT: sts.url, AWS_ACCESS_KEY_ID: 'AKIDBASE', AWS_SECRET_ACCESS_KEY: 'baseSecret/abc', AWS_SESSION_TOKEN: 'baseToken' } })
    assert.equal((await fromChain()).accessKeyId, 'ASIAROLE')
    assert.match(new URLSearchParams(sts.requests[1].body).get('RoleSessionName'), /^mongodb-aws-[0-9a-f]{32}$/)
    // A wrong base secret fails STS's check.
    const bad = m.assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/demo', baseCredentials: new m.Credentials('AKIDBASE', 'wrong', 'baseToken'), env: { MONGODB_AWS_STS_ENDPOINT: sts.url } })
    const e = await rejectsCode(bad(), 'ENDPOINT_HTTP_STATUS')
    assert.equal(e.stsCode, 'SignatureDoesNotMatch')
    await rejectsCode(m.assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/demo', baseCredentials: base, mfaTokenCode: '123456' })(), 'INVALID_MFA_TOKEN_CODE')
    await rejectsCode(m.assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/demo', baseCredentials: base, durationSeconds: 10 })(), 'INVALID_DURATION_SECONDS')
    assert.throws(() => m.assumeRole({}), TypeError)
  } finally {
    sts.close()
  }
})

test('assumeRoleWithSaml: unsigned POST with the assertion; JSON answer', async () => {
  const sts = await stsStandIn(async () => [
    200,
    { 'content-type': 'application/json' },
    JSON.stringify({
      AssumeRoleWithSAMLResponse: {
        AssumeRoleWithSAMLResult: { Credentials: { AccessKeyId: 'ASIASAML', SecretAccessKey: 'samlSecret', SessionToken: 'samlToken', Expiration: EXP } },
      },
    }),
  ])
  try {
    const assertion = Buffer.from('<samlp:Response>...</samlp:Response>').toString('base64')
    const c = await m.assumeRoleWithSaml({
      roleArn: 'arn:aws:iam::123456789012:role/saml',
      principalArn: 'arn:aws:iam::123456789012:saml-provider/idp',
      samlAssertion: assertion,
      env: { MONGODB_AWS_STS_ENDPOINT: sts.url },
    })()
    assert.deepEqual([c.accessKeyId, c.source], ['ASIASAML', 'saml'])
    const form = new URLSearchParams(sts.requests[0].body)
    assert.equal(form.get('Action'), 'AssumeRoleWithSAML')
    assert.equal(form.get('SAMLAssertion'), assertion)
    assert.equal(sts.requests[0].headers.authorization, undefined)
  } finally {
    sts.close()
  }
})
