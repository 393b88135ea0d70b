'use strict'
// The public credential API over the runtime: getCredentials() (options, Credentials, fromCache,
// the Promise that leaves the event loop free), clearCredentialCache(), cachedCredentials(),
// credentialProvider(), typed errors with the runtime's messages, and the explicit STS calls
// (assumeRole, assumeRoleWithSaml) against loopback STS stand-ins. The chain's own behaviour
// (order, steps, deadlines, retries, expiry, error mapping) is the scenario suite's
// (scenarios.test.js); here it is only reached through the package's API. Endpoints:
// tests/emulators/aws_endpoints.py and stand-ins on 127.0.0.1.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { Worker } = require('node:worker_threads')
const { SignatureV4 } = require('@smithy/signature-v4')
const { Sha256 } = require('@aws-crypto/sha256-js')
const { ROOT, spawnWithInfo } = require('./helpers.js')
const m = require('..')

const EMULATOR = path.join(ROOT, 'tests', 'emulators', 'aws_endpoints.py')
const PYTHON = process.env.PYTHON ?? 'python3'

/** Starts the emulator; it exits when our end of its stdin closes. */
async function startEmulator() {
  const { child, info } = await spawnWithInfo('emulator', PYTHON, [EMULATOR, '--port', '0', '--exit-on-stdin-eof'])
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
  assert.equal(err.number, m.errorTable().find((e) => e.code === code).number)
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

test('ECS through getCredentials: Credentials, source, expiration, fromCache; clearCredentialCache', async () => {
  const before = Date.now()
  const c = await m.getCredentials({ env: ecsEnv() })
  assert.ok(c instanceof m.Credentials)
  assert.equal(c.source, 'ecs')
  assert.equal(c.fromCache, false)
  assert.match(c.accessKeyId, /^ASIAEMU\d+$/)
  assert.match(c.secretAccessKey, /^emuSecret\//)
  assert.match(c.sessionToken, /^emuToken\/\//)
  const left = c.expiration.getTime() - before
  assert.ok(left > 3500_000 && left <= 3601_000, `expiration ${c.expiration.toISOString()}`)
  // The second call is the cache's answer: same key, no request.
  const again = await m.getCredentials({ env: ecsEnv() })
  assert.deepEqual([again.accessKeyId, again.fromCache, again.source], [c.accessKeyId, true, 'ecs'])
  assert.equal(again.expiration.getTime(), c.expiration.getTime())
  const peek = m.cachedCredentials()
  assert.ok(peek instanceof m.Credentials)
  assert.deepEqual([peek.accessKeyId, peek.secretAccessKey, peek.sessionToken, peek.source], [c.accessKeyId, c.secretAccessKey, c.sessionToken, 'ecs'])
  assert.deepEqual((await emu.stats()).counts, { ecs: 1 })
  m.clearCredentialCache()
  assert.equal(m.cachedCredentials(), undefined)
  const next = await m.getCredentials({ env: ecsEnv() })
  assert.notEqual(next.accessKeyId, c.accessKeyId)
  assert.equal(next.fromCache, false)
  assert.deepEqual((await emu.stats()).counts, { ecs: 2 })
  // Environment credentials are never cached.
  m.clearCredentialCache()
  const fromEnv = await m.getCredentials({ env: { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'sec' } })
  assert.deepEqual([fromEnv.accessKeyId, fromEnv.source, fromEnv.fromCache, fromEnv.expiration], ['AKIDENV', 'environment', false, undefined])
  assert.equal(m.cachedCredentials(), undefined)
})

test('getCredentials does not block the event loop: timers fire while a slow endpoint answers', async () => {
  await emu.config({ delay: 1.0 })
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  const t0 = Date.now()
  try {
    const c = await m.getCredentials({ env: ecsEnv() })
    assert.equal(c.source, 'ecs')
  } finally {
    clearInterval(timer)
  }
  const elapsed = Date.now() - t0
  assert.ok(elapsed >= 900, `the endpoint was slow (${elapsed} ms)`)
  // A blocked loop would give 0 or 1 tick; a free one about elapsed / 10.
  assert.ok(ticks >= 20, `only ${ticks} timer ticks in ${elapsed} ms`)
})

test('concurrent getCredentials calls share one fetch; a clear during the fetch keeps its answer out', async () => {
  await emu.config({ delay: 0.4 })
  const all = await Promise.all(Array.from({ length: 3 }, () => m.getCredentials({ env: ecsEnv() })))
  assert.equal(new Set(all.map((c) => c.accessKeyId)).size, 1)
  assert.deepEqual((await emu.stats()).counts, { ecs: 1 })
  m.clearCredentialCache()
  const slow = m.getCredentials({ env: ecsEnv() })
  await new Promise((r) => setTimeout(r, 100))
  m.clearCredentialCache() // while the fetch runs: its answer must not be stored
  const late = await slow
  assert.equal(late.fromCache, false)
  assert.equal(m.cachedCredentials(), undefined)
})

test('env: process.env by default, else the given object; read when called', async () => {
  const saved = { ...process.env }
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_') || k.startsWith('MONGODB_AWS_')) delete process.env[k]
    process.env.AWS_ACCESS_KEY_ID = 'AKIDPROCESS'
    process.env.AWS_SECRET_ACCESS_KEY = 'processSecret'
    const p = m.getCredentials()
    process.env.AWS_ACCESS_KEY_ID = 'AKIDLATER' // the call already took its snapshot
    assert.equal((await p).accessKeyId, 'AKIDPROCESS')
    assert.equal((await m.getCredentials()).accessKeyId, 'AKIDLATER')
    // A given env replaces process.env entirely.
    await rejectsCode(m.getCredentials({ env: { AWS_EC2_METADATA_DISABLED: 'true' } }), 'NO_CREDENTIALS', m.CredentialsError)
    const c = await m.getCredentials({ env: { AWS_ACCESS_KEY_ID: 'AKIDGIVEN', AWS_SECRET_ACCESS_KEY: 'x', AWS_SESSION_TOKEN: 'tok', UNRELATED: undefined } })
    assert.deepEqual([c.accessKeyId, c.sessionToken], ['AKIDGIVEN', 'tok'])
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
  }
  await assert.rejects(m.getCredentials({ env: { AWS_ACCESS_KEY_ID: 42 } }), TypeError)
  await assert.rejects(m.getCredentials({ env: 'x' }), TypeError)
  await assert.rejects(m.getCredentials(null), TypeError)
})

test("a worker thread's process.env is the one read there", async () => {
  const code = `
    const { parentPort } = require('node:worker_threads')
    require(${JSON.stringify(path.resolve(__dirname, '..'))}).getCredentials().then(
      (c) => parentPort.postMessage({ id: c.accessKeyId, source: c.source }),
      (e) => parentPort.postMessage({ error: e.code }))`
  const w = new Worker(code, { eval: true, env: { AWS_ACCESS_KEY_ID: 'AKIDWORKER', AWS_SECRET_ACCESS_KEY: 'workerSecret' } })
  const msg = await new Promise((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
  })
  await w.terminate()
  assert.deepEqual(msg, { id: 'AKIDWORKER', source: 'environment' })
  assert.equal(process.env.AWS_ACCESS_KEY_ID, undefined)
})

test('options of the former JavaScript chain are refused by name', async () => {
  for (const k of ['fetch', 'now', 'timeouts']) {
    await assert.rejects(m.getCredentials({ env: ecsEnv(), [k]: {} }), (e) => e instanceof TypeError && e.message.includes(k))
    assert.throws(() => m.assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/r', [k]: {} }), TypeError)
  }
  assert.deepEqual((await emu.stats()).counts, {}, 'nothing was fetched')
})

test('errors are typed, with the runtime message: code, number, class, no secret', async () => {
  // Environment rules.
  const e1 = await rejectsCode(m.getCredentials({ env: { AWS_ACCESS_KEY_ID: 'AKIDENV', ...ecsEnv() } }), 'MISSING_SECRET_ACCESS_KEY', m.CredentialsError)
  assert.match(e1.message, /SECRET_ACCESS_KEY/)
  // An endpoint's HTTP status: the message names the source, URL and status.
  await emu.config({ mode: 'status', status: 404 })
  const e2 = await rejectsCode(m.getCredentials({ env: ecsEnv() }), 'ENDPOINT_HTTP_STATUS', m.ResponseError)
  assert.ok(e2.message.includes(`${emu.url}/v2/credentials/task-1`), e2.message)
  assert.match(e2.message, /404/)
  // A closed port: unreachable.
  const srv = http.createServer()
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  const port = srv.address().port
  await new Promise((r) => srv.close(r))
  const e3 = await rejectsCode(
    m.getCredentials({ env: { MONGODB_AWS_ECS_ENDPOINT: `http://127.0.0.1:${port}`, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x' } }),
    'ENDPOINT_UNREACHABLE',
    m.ResponseError,
  )
  assert.ok(e3.message.includes(`127.0.0.1:${port}`), e3.message)
  // Configuration refused before any request.
  await rejectsCode(m.getCredentials({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://192.0.2.10/creds' } }), 'FORBIDDEN_CONTAINER_HOST', m.InvalidArgumentError)
  // A malformed answer holding a secret: the message names the failure, never the secret.
  const secret = 'leakySecret/DO-NOT-PRINT-0123456789'
  const bad = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ AccessKeyId: 'ASIABAD', SecretAccessKey: secret, Token: 'leakyToken/DO-NOT-PRINT', Expiration: 'not a time' }))
  })
  await new Promise((r) => bad.listen(0, '127.0.0.1', r))
  try {
    const e4 = await rejectsCode(m.getCredentials({ env: { MONGODB_AWS_ECS_ENDPOINT: `http://127.0.0.1:${bad.address().port}`, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x' } }), 'INVALID_TIMESTAMP', m.ResponseError)
    for (const text of [e4.message, e4.stack, String(e4)]) {
      assert.ok(!text.includes('DO-NOT-PRINT'), text)
    }
  } finally {
    bad.close()
  }
})

test('a custom provider: asked first, validated and checked by the chain, never cached', async () => {
  let calls = 0
  const provider = async () => ({ accessKeyId: `AKIDCUSTOM${++calls}`, secretAccessKey: 'sec', expiration: new Date(Date.now() + 3600_000) })
  const p1 = await m.getCredentials({ env: ecsEnv(), provider })
  const p2 = await m.getCredentials({ env: ecsEnv(), provider })
  assert.deepEqual([p1.accessKeyId, p2.accessKeyId, p1.source, p1.fromCache], ['AKIDCUSTOM1', 'AKIDCUSTOM2', 'custom-provider', false])
  assert.ok(Math.abs(p1.expiration.getTime() - Date.now() - 3600_000) < 5000)
  assert.deepEqual((await emu.stats()).counts, {}, 'no endpoint was asked')
  assert.equal(m.cachedCredentials(), undefined)
  // Returning a Credentials works too; so does a plain function.
  const own = new m.Credentials('AKIDOWN', 'ownSecret', 'ownToken')
  const p3 = await m.getCredentials({ provider: () => own })
  assert.deepEqual([p3.accessKeyId, p3.sessionToken, p3.source], ['AKIDOWN', 'ownToken', 'custom-provider'])
  // Failures: CUSTOM_PROVIDER_FAILED with the provider's text and the original error as cause.
  const boom = new Error('vault unreachable')
  const e1 = await rejectsCode(m.getCredentials({ provider: async () => { throw boom } }), 'CUSTOM_PROVIDER_FAILED')
  assert.match(e1.message, /vault unreachable/)
  assert.equal(e1.cause, boom)
  await rejectsCode(m.getCredentials({ provider: async () => null }), 'CUSTOM_PROVIDER_FAILED')
  // A malformed answer gets the core's own code: the chain validates what the provider gave.
  const e2 = await rejectsCode(m.getCredentials({ provider: async () => ({ accessKeyId: 'AKID' }) }), 'MISSING_SECRET_ACCESS_KEY')
  assert.match(e2.message, /custom-provider/)
  await rejectsCode(m.getCredentials({ provider: async () => ({ accessKeyId: 'AKID-1', secretAccessKey: 'providerSecret' }) }), 'INVALID_ACCESS_KEY_ID')
  // The chain's expiry rule applies to the provider's answer as to any other.
  await rejectsCode(m.getCredentials({ provider: () => ({ accessKeyId: 'AKID', secretAccessKey: 's', expiration: new Date(Date.now() + 60_000) }) }), 'CREDENTIALS_EXPIRED', m.CredentialsError)
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
  await rejectsCode(m.credentialProvider({ env: { AWS_EC2_METADATA_DISABLED: 'true' } })(), 'NO_CREDENTIALS')
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

test('web identity through the env option: token file and STS endpoint; STS errors typed', async () => {
  let fail = false
  const sts = await stsStandIn(async () => (fail ? [400, { 'content-type': 'text/xml' }, STS_ERROR_XML] : [200, { 'content-type': 'application/json' }, webIdentityJson()]))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mongodb-aws-node-'))
  const file = path.join(dir, 'token')
  fs.writeFileSync(file, 'eyJhbGciOiJSUzI1NiJ9.payload+/=.sig\n')
  const env = { AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa', MONGODB_AWS_STS_ENDPOINT: sts.url }
  try {
    const c = await m.getCredentials({ env })
    assert.deepEqual([c.accessKeyId, c.secretAccessKey, c.sessionToken, c.source], ['ASIAWEBID', 'webSecret/x', 'webToken', 'web-identity'])
    assert.equal(c.expiration.getTime(), EXP * 1000)
    const form = new URLSearchParams(sts.requests[0].body)
    assert.equal(form.get('Action'), 'AssumeRoleWithWebIdentity')
    assert.equal(form.get('WebIdentityToken'), 'eyJhbGciOiJSUzI1NiJ9.payload+/=.sig')
    // STS's refusal: its Code and Message in the runtime's message.
    fail = true
    m.clearCredentialCache()
    const e = await rejectsCode(m.getCredentials({ env }), 'STS_ERROR_RESPONSE', m.ResponseError)
    assert.match(e.message, /InvalidIdentityToken/)
    assert.match(e.message, /Couldn't retrieve verification key/)
    assert.ok(!e.message.includes('payload+/=.sig'), 'no token in the message')
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
    if (signed.headers.authorization !== auth) return [403, { 'content-type': 'text/xml' }, '<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>']
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
    const bad = m.assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/demo', baseCredentials: new m.Credentials('AKIDBASE', 'wrongSecret/DO-NOT-PRINT', 'baseToken'), env: { MONGODB_AWS_STS_ENDPOINT: sts.url } })
    const e = await rejectsCode(bad(), 'STS_ERROR_RESPONSE', m.ResponseError)
    assert.match(e.message, /SignatureDoesNotMatch/)
    assert.ok(!e.message.includes('DO-NOT-PRINT'), 'no secret in the message')
    await rejectsCode(m.assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/demo', baseCredentials: base, mfaTokenCode: '123456', env: { MONGODB_AWS_STS_ENDPOINT: sts.url } })(), 'INVALID_MFA_TOKEN_CODE')
    await rejectsCode(m.assumeRole({ roleArn: 'arn:aws:iam::123456789012:role/demo', baseCredentials: base, durationSeconds: 10, env: { MONGODB_AWS_STS_ENDPOINT: sts.url } })(), 'INVALID_DURATION_SECONDS')
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
