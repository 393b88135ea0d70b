'use strict'
// Credential resolution: Promises over the runtime (the `mongodb-aws` crate), which runs the core's
// credential chain on libuv's thread pool (src/providers.rs). Source order, requests, deadlines,
// retries, expiry checks, error mapping and the process-wide cache are all the runtime's and the
// core's (core/src/providers/chain.rs); this file converts options and results, and turns failures
// into the typed error classes.

const native = require('../binding.js')
const { convert } = require('./errors.js')
const { optionalString } = require('./args.js')
const { Credentials, markFromCache, setRefusalHint, setOrigin } = require('./credentials.js')

/** Options of the JavaScript fetch chain this package had before the runtime; refused by name. */
const REMOVED_OPTIONS = Object.freeze({
  fetch: 'the runtime sends the requests itself',
  now: 'the runtime uses the system clock',
  timeouts: "deadlines are the chain's (AWS_METADATA_SERVICE_TIMEOUT sets the IMDS one)",
})

function checkOptions(what, options) {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: options must be an object`)
  for (const k of Object.keys(REMOVED_OPTIONS)) {
    if (options[k] !== undefined) throw new TypeError(`${what}: option ${k} is no longer supported: ${REMOVED_OPTIONS[k]}`)
  }
  const env = options.env
  if (env === undefined || env === null) return process.env
  if (typeof env !== 'object') throw new TypeError(`${what}: env must be an object of strings`)
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && v !== null && typeof v !== 'string') throw new TypeError(`${what}: env.${k} must be a string`)
  }
  return env
}

/** A Credentials from the native result object. */
function credentialsOf(r) {
  const c = new Credentials({
    accessKeyId: r.accessKeyId,
    secretAccessKey: r.secretAccessKey,
    sessionToken: r.sessionToken,
    expiration: r.expiration === undefined ? null : new Date(r.expiration * 1000),
    source: r.source,
  })
  if (r.fromCache) markFromCache(c)
  if (typeof r.refusalHint === 'string') setRefusalHint(c, r.refusalHint)
  if (typeof r.profile === 'string') setOrigin(c, r.profile, r.originFile, r.originLine)
  return c
}

/**
 * The native side's asker for an application's MFA function `fn(serial, profile)` (a code, or a
 * Promise of one): called on this thread through a threadsafe function while the runtime waits on
 * libuv's pool, it awaits `fn` and hands the code (or the failure's text) back with mfaAnswer.
 */
function askerFor(fn, what) {
  if (typeof fn !== 'function') throw new TypeError(`${what} must be a function (serial, profile) => code or Promise<code>`)
  return (_err, id, serial, profile) => {
    Promise.resolve()
      .then(() => fn(serial, profile))
      .then(
        (code) => {
          if (typeof code === 'string') native.mfaAnswer(id, code, null)
          else native.mfaAnswer(id, null, `the MFA function returned ${code === null ? 'null' : typeof code}, not a string`)
        },
        (e) => native.mfaAnswer(id, null, e instanceof Error ? `${e.name}: ${e.message}` : String(e)),
      )
  }
}

/**
 * Installs (or, with null, removes) the process-wide MFA function: `fn(serial, profile)` returns
 * the code (or a Promise of it) a profile's role with `mfa_serial` needs, for every getCredentials
 * without an `mfaCode` option.
 */
function setMfaCallback(fn) {
  native.setMfaCallback(fn === null || fn === undefined ? null : askerFor(fn, 'setMfaCallback: the callback'))
}

/** The credentials credentialProvider() handed out last (what a refusal is about). */
let lastProvided

/** Awaits the native Promise `start()` returns; failures become the typed errors. */
async function run(start, cause) {
  let r
  try {
    r = await start()
  } catch (e) {
    const err = convert(e)
    if (cause !== undefined && err !== e) err.cause = cause
    throw err
  }
  return credentialsOf(r)
}

const part = (r, name) => {
  const v = r[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new TypeError(`${name} is a ${typeof v}, not a string`)
  return v
}

/**
 * Calls the application's provider and returns its answer for the chain: the parts, or the text
 * of its failure (the chain validates the parts, checks the expiration and reports the failure).
 */
async function askProvider(provider) {
  try {
    const r = await provider()
    if (r === null || typeof r !== 'object') return { provided: { error: `it returned ${r === null ? 'null' : typeof r}, not credentials` } }
    const exp = r.expiration
    if (exp !== undefined && exp !== null && !(exp instanceof Date)) throw new TypeError('expiration is not a Date')
    const provided = {
      accessKeyId: part(r, 'accessKeyId'),
      secretAccessKey: part(r, 'secretAccessKey'),
      sessionToken: part(r, 'sessionToken'),
      expirationMs: exp instanceof Date ? exp.getTime() : undefined,
    }
    return { provided }
  } catch (e) {
    return { provided: { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }, cause: e }
  }
}

/**
 * Resolves AWS credentials with the runtime's chain (the MONGODB-AWS spec's order; see
 * core/src/providers/chain.rs). The blocking work runs on libuv's thread pool: the event loop keeps
 * running. The result's `source` names where the credentials came from, `fromCache` whether the
 * process-wide cache answered.
 *
 * The AWS shared config and credentials files are read (~/.aws/config, ~/.aws/credentials, or
 * AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE): `profile` picks a profile (like AWS_PROFILE,
 * which it overrides), `mfaCode(serial, profile)` returns the MFA code a profile's role needs
 * (default: the function of setMfaCallback). The result's `profile`, `originFile` and `originLine`
 * say which profile, file and section header supplied the credentials.
 *
 * options: { env = process.env, provider, profile, mfaCode }
 */
async function getCredentials(options = {}) {
  const env = checkOptions('getCredentials', options)
  const profile = optionalString('profile', options.profile)
  const mfa = options.mfaCode === undefined || options.mfaCode === null ? null : askerFor(options.mfaCode, 'mfaCode')
  let asked = { provided: null }
  if (options.provider !== undefined && options.provider !== null) {
    if (typeof options.provider !== 'function') {
      throw new TypeError('provider must be a function returning credentials (or a Promise of them)')
    }
    asked = await askProvider(options.provider)
  }
  return run(() => native.resolveCredentials(env, asked.provided, profile, mfa), asked.cause)
}

/** Empties the process-wide cache (call it after a MONGODB-AWS authentication failure). */
function clearCredentialCache() {
  native.clearCredentialCache()
}

/**
 * The credentials in the process-wide cache that getCredentials({ env, profile }) uses (one per
 * selected profile: `profile`, else AWS_DEFAULT_PROFILE / AWS_PROFILE of `env`), fresh or not
 * (diagnostics), or undefined.
 */
function cachedCredentials(options = {}) {
  const env = checkOptions('cachedCredentials', options)
  const profile = optionalString('profile', options.profile)
  const r = native.cachedCredentials(env, profile)
  return r === null || r === undefined ? undefined : credentialsOf(r)
}

/**
 * A function for the official MongoDB Node driver's AWS_CREDENTIAL_PROVIDER auth mechanism property:
 *
 *   new MongoClient(uri, { authMechanismProperties: { AWS_CREDENTIAL_PROVIDER: credentialProvider() } })
 *
 * Each call resolves credentials with getCredentials(options) and returns the AWS SDK shape
 * { accessKeyId, secretAccessKey, sessionToken?, expiration? } the driver expects.
 */
function credentialProvider(options = {}) {
  return async function mongodbAwsCredentialProvider() {
    const c = await getCredentials(options)
    lastProvided = c
    return c.toAwsCredentialIdentity()
  }
}

/** The authentication failure (MongoDB error 18) in a driver error or its causes, if any. */
function authFailure(e) {
  for (let x = e, i = 0; x && i < 5; x = x.cause, i++) {
    if (x.code === 18 || x.codeName === 'AuthenticationFailed') return x
  }
  return undefined
}

const explained = Symbol('mongodb-aws.explained')

/**
 * Adds the runtime's diagnosis (Credentials#refusalHint: source, access key id, the $external
 * user the server looks up, the assumed-role hint) to a refusal's message, once.
 */
function explainRefusal(err, credentials) {
  if (credentials === undefined || err === null || typeof err !== 'object' || err[explained]) return
  err.message = `${err.message}; MONGODB-AWS: ${credentials.refusalHint()}`
  err[explained] = true
}

/**
 * Clears the cache whenever `client` (a MongoClient) fails to authenticate a connection, so that
 * the next attempt fetches fresh credentials instead of reusing revoked or rotated ones (the spec:
 * clear the cache after an authentication failure), and adds to the driver's error (the one the
 * application's operation rejects with) the diagnosis for the credentials credentialProvider()
 * handed out last. Returns a function that stops watching.
 */
function clearCacheOnAuthFailure(client) {
  if (client === null || typeof client !== 'object' || typeof client.on !== 'function') {
    throw new TypeError('clearCacheOnAuthFailure needs a MongoClient (an EventEmitter)')
  }
  const onFailure = (event) => {
    const refused = authFailure(event?.error)
    if (refused === undefined) return
    clearCredentialCache()
    explainRefusal(refused, lastProvided)
  }
  client.on('connectionCheckOutFailed', onFailure)
  return () => client.off('connectionCheckOutFailed', onFailure)
}

// ---------------------------------------------------------------------------------------------
// Explicit STS calls (not in the automatic chain, never cached)
// ---------------------------------------------------------------------------------------------

/**
 * STS AssumeRole with base credentials (resolved with getCredentials() when not given). Returns a
 * provider function: call it to get temporary credentials (source "assume-role").
 *
 * options: { roleArn, roleSessionName?, externalId?, durationSeconds?, mfaSerialNumber?,
 *            mfaTokenCode?, baseCredentials?, env? }
 */
function assumeRole(options) {
  if (options === null || typeof options !== 'object' || typeof options.roleArn !== 'string') {
    throw new TypeError('assumeRole needs { roleArn }')
  }
  const env = checkOptions('assumeRole', options)
  return async function assumeRoleProvider() {
    const base =
      options.baseCredentials === undefined || options.baseCredentials === null
        ? await getCredentials({ env: options.env })
        : Credentials._from(options.baseCredentials)
    const params = {
      roleArn: options.roleArn,
      roleSessionName: options.roleSessionName ?? undefined,
      externalId: options.externalId ?? undefined,
      durationSeconds: options.durationSeconds ?? undefined,
      mfaSerialNumber: options.mfaSerialNumber ?? undefined,
      mfaTokenCode: options.mfaTokenCode ?? undefined,
    }
    return run(() => native.assumeRole(params, Credentials._native(base), env))
  }
}

/**
 * STS AssumeRoleWithSAML. Returns a provider function (source "saml").
 *
 * options: { roleArn, principalArn, samlAssertion (base64), durationSeconds?, env? }
 */
function assumeRoleWithSaml(options) {
  if (options === null || typeof options !== 'object' || typeof options.roleArn !== 'string' || typeof options.principalArn !== 'string' || typeof options.samlAssertion !== 'string') {
    throw new TypeError('assumeRoleWithSaml needs { roleArn, principalArn, samlAssertion }')
  }
  const env = checkOptions('assumeRoleWithSaml', options)
  return async function samlProvider() {
    const params = {
      roleArn: options.roleArn,
      principalArn: options.principalArn,
      samlAssertion: options.samlAssertion,
      durationSeconds: options.durationSeconds ?? undefined,
    }
    return run(() => native.assumeRoleWithSaml(params, env))
  }
}

module.exports = {
  getCredentials,
  setMfaCallback,
  credentialProvider,
  clearCredentialCache,
  clearCacheOnAuthFailure,
  cachedCredentials,
  assumeRole,
  assumeRoleWithSaml,
}
