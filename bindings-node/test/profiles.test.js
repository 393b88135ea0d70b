'use strict'
// The AWS shared config and credentials files through the public API: getCredentials({ profile,
// mfaCode }), setMfaCallback, and the origin of the credentials (profile, originFile, originLine),
// with real files in a temporary directory and a role chain with mfa_serial against a loopback STS
// stand-in that records what it was sent (the AssumeRole parameters of the AWS STS API reference).
// The chain's rules themselves are the scenario suite's (scenarios.test.js).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const m = require('..')

const SECRET = 'nOdEpRoFiLeSeCrEt/0123456789abcdefghijkl'
// A chain that falls through to instance metadata stays on this machine.
const NO_IMDS = { MONGODB_AWS_EC2_METADATA_ENDPOINT: 'http://127.0.0.1:9' }

/** The 1-based line of `header` in `text`: what the origin must say. */
const lineOf = (text, header) => text.split('\n').findIndex((l) => l.trim() === header) + 1

function tempFiles(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mongodb-aws-node-profile-'))
  fs.mkdirSync(path.join(dir, 'home'))
  const out = { dir, HOME: path.join(dir, 'home') }
  for (const [name, text] of Object.entries(files)) {
    out[name] = path.join(dir, name)
    fs.writeFileSync(out[name], text)
  }
  return out
}

const CREDS = `[default]\naws_access_key_id = AKIADEFAULTNODE0001\naws_secret_access_key = x\n\n[dev]\naws_access_key_id = AKIANODEPROFILE0001\naws_secret_access_key = ${SECRET}\n`

test('profile: static keys with their origin; AWS_PROFILE and the explicit profile; a missing one rejects', async () => {
  const f = tempFiles({ credentials: CREDS })
  const env = { ...NO_IMDS, HOME: f.HOME, AWS_SHARED_CREDENTIALS_FILE: f.credentials }
  try {
    const c = await m.getCredentials({ env, profile: 'dev' })
    assert.deepEqual([c.source, c.accessKeyId, c.secretAccessKey], ['profile', 'AKIANODEPROFILE0001', SECRET])
    assert.deepEqual([c.profile, c.originFile, c.originLine], ['dev', f.credentials, lineOf(CREDS, '[dev]')])
    assert.ok(!JSON.stringify(c).includes(SECRET))
    assert.equal((await m.getCredentials({ env: { ...env, AWS_PROFILE: 'dev' } })).accessKeyId, 'AKIANODEPROFILE0001')
    const d = await m.getCredentials({ env: { ...env, AWS_PROFILE: 'dev' }, profile: 'default' })
    assert.deepEqual([d.accessKeyId, d.originLine], ['AKIADEFAULTNODE0001', 1])
    const e = await m.getCredentials({ env: { AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENT0001', AWS_SECRET_ACCESS_KEY: 's' } })
    assert.deepEqual([e.profile, e.originFile, e.originLine], [undefined, undefined, undefined])
    await assert.rejects(m.getCredentials({ env, profile: 'nope' }), (err) => {
      assert.ok(err instanceof m.MongoDBAWSError)
      assert.equal(err.code, 'PROFILE_NOT_FOUND')
      assert.match(err.message, /nope/)
      return true
    })
    await assert.rejects(m.getCredentials({ env, profile: 7 }), TypeError)
    await assert.rejects(m.getCredentials({ env, mfaCode: '123456' }), TypeError)
  } finally {
    fs.rmSync(f.dir, { recursive: true })
  }
})

/** A loopback STS answering AssumeRole (the API reference's XML), recording each request's form. */
async function sts() {
  const forms = []
  const srv = http.createServer(async (req, res) => {
    const chunks = []
    for await (const c of req) chunks.push(c)
    forms.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
    const exp = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    res.writeHead(200, { 'content-type': 'text/xml' })
    res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
      <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/admin/node-mfa</Arn><AssumedRoleId>AROANODE:node-mfa</AssumedRoleId></AssumedRoleUser>
      <Credentials><AccessKeyId>ASIANODEMFA</AccessKeyId><SecretAccessKey>roleSecret</SecretAccessKey><SessionToken>roleToken</SessionToken><Expiration>${exp}</Expiration></Credentials>
      </AssumeRoleResult></AssumeRoleResponse>`)
  })
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${srv.address().port}`, forms, close: () => srv.close() }
}

const SERIAL = 'arn:aws:iam::123456789012:mfa/node-user'
const CONFIG = `[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nmfa_serial = ${SERIAL}\nrole_session_name = node-mfa\n`

test('MFA: the async mfaCode runs on the JavaScript thread while the runtime waits; the code reaches STS', async () => {
  const s = await sts()
  const f = tempFiles({ credentials: '[base]\naws_access_key_id = AKIANODEBASE0001\naws_secret_access_key = baseSecret\n', config: CONFIG })
  const env = { ...NO_IMDS, HOME: f.HOME, AWS_SHARED_CREDENTIALS_FILE: f.credentials, AWS_CONFIG_FILE: f.config, MONGODB_AWS_STS_ENDPOINT: s.url }
  try {
    const asked = []
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const c = await m.getCredentials({
      env,
      profile: 'admin',
      mfaCode: async (serial, profile) => {
        asked.push([serial, profile])
        // The event loop runs while the code is being fetched (a timer, then the answer).
        await new Promise((r) => setTimeout(r, 30))
        return '246810'
      },
    })
    clearInterval(timer)
    assert.ok(ticks > 0, 'the event loop kept running')
    assert.deepEqual(asked, [[SERIAL, 'admin']])
    assert.deepEqual([c.source, c.accessKeyId, c.profile, c.originFile, c.originLine], ['assume-role', 'ASIANODEMFA', 'admin', f.config, lineOf(CONFIG, '[profile admin]')])
    const form = s.forms.at(-1)
    assert.deepEqual([form.get('Action'), form.get('SerialNumber'), form.get('TokenCode'), form.get('RoleSessionName')], ['AssumeRole', SERIAL, '246810', 'node-mfa'])
    // The role's credentials are in the cache of the profile admin: found by the option or by
    // AWS_PROFILE, not in the default cache.
    assert.equal(m.cachedCredentials({ env, profile: 'admin' }).accessKeyId, 'ASIANODEMFA')
    assert.equal(m.cachedCredentials({ env: { ...env, AWS_PROFILE: 'admin' } }).accessKeyId, 'ASIANODEMFA')
    assert.notEqual(m.cachedCredentials({ env })?.accessKeyId, 'ASIANODEMFA')
    assert.throws(() => m.cachedCredentials({ env, profile: 7 }), TypeError)

    // The process-wide function (a plain function works too), used when the call gives none.
    m.clearCredentialCache()
    m.setMfaCallback(() => '135791')
    assert.equal((await m.getCredentials({ env, profile: 'admin' })).accessKeyId, 'ASIANODEMFA')
    assert.equal(s.forms.at(-1).get('TokenCode'), '135791')
    m.setMfaCallback(null)
    m.clearCredentialCache()
    await assert.rejects(m.getCredentials({ env, profile: 'admin' }), (e) => e.code === 'MFA_CODE_REQUIRED' && e.message.includes('profile admin') && e.message.includes('mfa_serial'))
    assert.throws(() => m.setMfaCallback('123456'), TypeError)
  } finally {
    m.setMfaCallback(null)
    m.clearCredentialCache()
    s.close()
    fs.rmSync(f.dir, { recursive: true })
  }
})

test('MFA: a throwing or rejecting function, or one that answers no string, is MFA_CODE_UNAVAILABLE', async () => {
  const s = await sts()
  const f = tempFiles({ credentials: '[base]\naws_access_key_id = AKIANODEBASE0001\naws_secret_access_key = baseSecret\n', config: CONFIG })
  const env = { ...NO_IMDS, HOME: f.HOME, AWS_SHARED_CREDENTIALS_FILE: f.credentials, AWS_CONFIG_FILE: f.config, MONGODB_AWS_STS_ENDPOINT: s.url }
  try {
    const cases = [
      [() => { throw new RangeError('no device') }, /RangeError: no device/],
      [async () => Promise.reject(new Error('user cancelled')), /Error: user cancelled/],
      [async () => 123456, /returned number, not a string/],
    ]
    for (const [fn, message] of cases) {
      m.clearCredentialCache()
      await assert.rejects(m.getCredentials({ env, profile: 'admin', mfaCode: fn }), (e) => {
        assert.equal(e.code, 'MFA_CODE_UNAVAILABLE')
        assert.match(e.message, message)
        return true
      })
    }
    // A Promise that never settles: the pool thread stops waiting at MONGODB_AWS_MFA_TIMEOUT.
    m.clearCredentialCache()
    const started = Date.now()
    await assert.rejects(m.getCredentials({ env: { ...env, MONGODB_AWS_MFA_TIMEOUT: '0.3' }, profile: 'admin', mfaCode: () => new Promise(() => {}) }), (e) => {
      assert.equal(e.code, 'MFA_CODE_UNAVAILABLE')
      assert.match(e.message, /did not settle within 0\.3 s/)
      return true
    })
    const took = Date.now() - started
    assert.ok(took >= 250 && took < 5000, `waited ${took} ms for a 0.3 s deadline`)
    assert.equal(s.forms.length, 0, 'no AssumeRole without a code')
  } finally {
    m.clearCredentialCache()
    s.close()
    fs.rmSync(f.dir, { recursive: true })
  }
})
