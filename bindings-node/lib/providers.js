'use strict'
// Credential providers, host side (PROTOCOL.md A7, A8; the host contract in
// core/src/providers/mod.rs). The core decides the chain step, builds every request and parses every
// answer; this file reads the environment and files, sends the requests with the platform's fetch
// under short timeouts, and keeps the process-wide cache.
//
// Cache: endpoint credentials only (never environment ones), replaced atomically (one assignment of
// a frozen entry), never locked while a fetch runs (readers never wait), concurrent callers share one
// in-flight fetch, cleared by clearCredentialCache() (call it after an authentication failure).

const crypto = require('node:crypto')
const fs = require('node:fs/promises')
const native = require('../binding.js')
const { makeError, convert, MongoDBAWSError } = require('./errors.js')
const { Credentials } = require('./credentials.js')

/** IMDS: 1 s per step (the AWS SDKs' default); ECS, full URI and STS: 10 s (the spec's SHOULD). */
const DEFAULT_TIMEOUTS = Object.freeze({ imds: 1000, endpoint: 10000 })
const IMDS_TOKEN_TTL_SECONDS = 30
const MAX_RESPONSE_LEN = native.maxResponseLen()

/** @type {{ credentials: Credentials, expiration: number | null } | null} */
let cached = null
/** Bumped by clearCredentialCache(): a fetch that started before a clear does not store its result. */
let generation = 0
/** @type {Promise<Credentials> | null} the fetch in progress, shared by concurrent callers */
let inflight = null

function call(fn) {
  try {
    return fn()
  } catch (e) {
    throw convert(e)
  }
}

/** A MongoDBAWSError for `code` whose message is the core's plus what happened. */
function hostError(code, detail, extra, cause) {
  const base = makeError(code)
  const e = makeError(code, detail ? `${base.message}: ${detail}` : base.message, cause ? { cause } : undefined)
  if (extra) Object.assign(e, extra)
  return e
}

const nonEmpty = (v) => (typeof v === 'string' && v !== '' ? v : undefined)

function nowMsOf(options) {
  const n = options.now
  if (n === undefined || n === null) return Date.now()
  if (typeof n === 'function') return Number(n())
  if (n instanceof Date) return n.getTime()
  if (typeof n === 'number') return n
  throw new TypeError('now must be a Date, a number of milliseconds or a function returning one')
}

function timeouts(env, options) {
  const meta = Number(env.AWS_METADATA_SERVICE_TIMEOUT)
  const metaMs = Number.isFinite(meta) && meta > 0 && meta <= 3600 ? meta * 1000 : null
  return {
    imds: options.timeouts?.imds ?? metaMs ?? DEFAULT_TIMEOUTS.imds,
    endpoint: options.timeouts?.endpoint ?? DEFAULT_TIMEOUTS.endpoint,
  }
}

/** The URL without its query (which could carry secrets) for messages. */
const shownUrl = (url) => url.split('?', 1)[0]

/** Reads at most MAX_RESPONSE_LEN bytes of a response body. */
async function readBody(res, what) {
  const declared = Number(res.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > MAX_RESPONSE_LEN) {
    await res.body?.cancel().catch(() => {})
    throw hostError('ENDPOINT_BAD_RESPONSE', `${what}: body of ${declared} bytes is larger than ${MAX_RESPONSE_LEN}`)
  }
  if (!res.body) return Buffer.alloc(0)
  const chunks = []
  let total = 0
  for await (const chunk of res.body) {
    total += chunk.length
    if (total > MAX_RESPONSE_LEN) {
      await res.body.cancel().catch(() => {})
      throw hostError('ENDPOINT_BAD_RESPONSE', `${what}: body larger than ${MAX_RESPONSE_LEN} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, total)
}

/**
 * Sends a planned request with fetch and returns the body of a 200 answer. Timeouts, network
 * failures and other statuses become the core's error codes.
 */
async function exchange(plan, timeoutMs, onTimeout, options) {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const what = `${plan.method} ${shownUrl(plan.url)}`
  const headers = []
  for (let i = 0; i < plan.headers.length; i += 2) headers.push([plan.headers[i], plan.headers[i + 1]])
  const signal = AbortSignal.timeout(timeoutMs)
  let res
  let body
  try {
    res = await fetchImpl(plan.url, { method: plan.method, headers, body: plan.body ?? undefined, signal, redirect: 'manual' })
    body = await readBody(res, what)
  } catch (e) {
    if (e instanceof MongoDBAWSError) throw e
    if (signal.aborted || e?.name === 'TimeoutError' || e?.name === 'AbortError') {
      throw hostError(onTimeout, `${what}: no answer within ${timeoutMs} ms`, undefined, e)
    }
    const reason = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(e)
    // Headers arrived but the body broke off: a bad response, not an unreachable endpoint.
    throw hostError(res === undefined ? 'ENDPOINT_UNREACHABLE' : 'ENDPOINT_BAD_RESPONSE', `${what}: ${reason}`, undefined, e)
  }
  if (res.status !== 200) {
    const sts = native.stsParseError(body)
    const detail = `${what} answered HTTP ${res.status}${sts ? `: STS ${sts.code} ${sts.message}` : ''}`
    throw hostError('ENDPOINT_HTTP_STATUS', detail, { httpStatus: res.status, stsCode: sts?.code, stsMessage: sts?.message })
  }
  return body
}

/** Parses with the core; an STS error document names STS's code and message. */
function parse(parser, body, isSts) {
  try {
    return parser(body)
  } catch (e) {
    const err = convert(e)
    if (isSts && err.code === 'STS_ERROR_RESPONSE') {
      const sts = native.stsParseError(body)
      if (sts) throw hostError('STS_ERROR_RESPONSE', `STS ${sts.code}: ${sts.message}`, { stsCode: sts.code, stsMessage: sts.message })
    }
    throw err
  } finally {
    body.fill(0)
  }
}

function toCredentials(f, nowMs) {
  if (!native.isUnexpired(f.expiration ?? null, nowMs)) {
    throw hostError('CREDENTIALS_EXPIRED', `${f.source} returned credentials that already expired`)
  }
  return new Credentials({
    accessKeyId: f.accessKeyId,
    secretAccessKey: f.secretAccessKey,
    sessionToken: f.sessionToken,
    expiration: f.expiration === undefined || f.expiration === null ? null : new Date(f.expiration * 1000),
    source: f.source,
  })
}

async function readTokenFile(path, code, what) {
  try {
    return await fs.readFile(path)
  } catch (e) {
    throw hostError(code, `cannot read ${what} file ${path}: ${e.code ?? e.message}`, undefined, e)
  }
}

function stsSettings(env) {
  return {
    overrideUrl: nonEmpty(env.MONGODB_AWS_STS_ENDPOINT),
    regionalEndpoints: nonEmpty(env.AWS_STS_REGIONAL_ENDPOINTS),
    region: nonEmpty(env.AWS_REGION),
  }
}

// ---------------------------------------------------------------------------------------------
// The endpoint sources
// ---------------------------------------------------------------------------------------------

async function fetchEcs(env, options, t) {
  const plan = call(() => native.ecsRequest(nonEmpty(env.MONGODB_AWS_ECS_ENDPOINT), env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI))
  const body = await exchange(plan, t.endpoint, 'ENDPOINT_TIMEOUT', options)
  return parse(native.ecsParse, body, false)
}

async function fetchContainer(env, options, t) {
  let token = nonEmpty(env.AWS_CONTAINER_AUTHORIZATION_TOKEN)
  const tokenFile = nonEmpty(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)
  if (tokenFile) {
    // Re-read every time: the agent rotates it.
    const content = await readTokenFile(tokenFile, 'INVALID_AUTHORIZATION_TOKEN', 'authorization token')
    try {
      token = call(() => native.containerTokenFromFile(content))
    } finally {
      content.fill(0)
    }
  }
  const plan = call(() => native.containerRequest(env.AWS_CONTAINER_CREDENTIALS_FULL_URI, token))
  const body = await exchange(plan, t.endpoint, 'ENDPOINT_TIMEOUT', options)
  return parse(native.containerParse, body, false)
}

async function fetchEc2(env, options, t) {
  const endpoint = nonEmpty(env.MONGODB_AWS_EC2_METADATA_ENDPOINT) ?? nonEmpty(env.AWS_EC2_METADATA_SERVICE_ENDPOINT)
  let plan = call(() => native.imdsTokenRequest(endpoint, IMDS_TOKEN_TTL_SECONDS))
  let body = await exchange(plan, t.imds, 'IMDS_TOKEN_TIMEOUT', options)
  const token = call(() => native.imdsParseToken(body))
  plan = call(() => native.imdsRoleNameRequest(endpoint, token))
  body = await exchange(plan, t.imds, 'ENDPOINT_TIMEOUT', options)
  const role = call(() => native.imdsParseRoleName(body))
  plan = call(() => native.imdsCredentialsRequest(endpoint, token, role))
  body = await exchange(plan, t.imds, 'ENDPOINT_TIMEOUT', options)
  return parse(native.imdsParseCredentials, body, false)
}

async function fetchWebIdentity(env, options, t) {
  const content = await readTokenFile(env.AWS_WEB_IDENTITY_TOKEN_FILE, 'INVALID_WEB_IDENTITY_TOKEN', 'web identity token')
  let plan
  try {
    const token = call(() => native.webIdentityTokenFromFile(content))
    plan = call(() =>
      native.webIdentityRequest({
        roleArn: env.AWS_ROLE_ARN,
        webIdentityToken: token,
        roleSessionName: nonEmpty(env.AWS_ROLE_SESSION_NAME),
        random: crypto.randomBytes(16),
        sts: stsSettings(env),
      }),
    )
  } finally {
    content.fill(0)
  }
  const body = await exchange(plan, t.endpoint, 'ENDPOINT_TIMEOUT', options)
  return parse(native.webIdentityParse, body, true)
}

const FETCHERS = {
  'web-identity': fetchWebIdentity,
  ecs: fetchEcs,
  'container-full-uri': fetchContainer,
  ec2: fetchEc2,
}

// ---------------------------------------------------------------------------------------------
// The chain
// ---------------------------------------------------------------------------------------------

function freshCached(nowMs) {
  const c = cached
  return c !== null && native.isFresh(c.expiration, nowMs) ? c.credentials : null
}

/** Runs (or joins) the one fetch in flight; stores its result unless the cache was cleared meanwhile. */
function sharedFetch(step, env, options) {
  if (inflight !== null) return inflight
  const started = generation
  const t = timeouts(env, options)
  const p = (async () => {
    const f = await FETCHERS[step](env, options, t)
    const creds = toCredentials(f, nowMsOf(options))
    // Atomic replace: one assignment of a complete, frozen entry.
    if (started === generation) cached = Object.freeze({ credentials: creds, expiration: f.expiration ?? null })
    return creds
  })()
  inflight = p
  const done = () => {
    if (inflight === p) inflight = null
  }
  p.then(done, done)
  return p
}

/**
 * Resolves AWS credentials the way the MONGODB-AWS spec orders it: a custom provider if given; the
 * cached endpoint credentials while fresh (more than 5 minutes left); AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; AssumeRoleWithWebIdentity (AWS_WEB_IDENTITY_TOKEN_FILE +
 * AWS_ROLE_ARN); ECS (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI); the container full URI
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI); else EC2 IMDSv2. No fall-back between endpoint sources.
 * The result's `source` names where the credentials came from.
 *
 * options: { env = process.env, provider, fetch = globalThis.fetch, now, timeouts: { imds, endpoint } }
 */
async function getCredentials(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
  const env = options.env ?? process.env
  if (options.provider !== undefined && typeof options.provider !== 'function') {
    throw new TypeError('provider must be a function returning credentials (or a Promise of them)')
  }
  const nowMs = nowMsOf(options)
  const step = native.selectSource({
    customProvider: typeof options.provider === 'function',
    freshCache: freshCached(nowMs) !== null,
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? undefined,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? undefined,
    sessionToken: env.AWS_SESSION_TOKEN ?? undefined,
    webIdentityTokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE ?? undefined,
    roleArn: env.AWS_ROLE_ARN ?? undefined,
    ecsRelativeUri: env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? undefined,
    containerFullUri: env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? undefined,
    ec2Disabled: String(env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() === 'true',
  })
  switch (step) {
    case 'custom-provider': {
      const r = await options.provider()
      if (r instanceof Credentials) return r
      if (r === null || typeof r !== 'object') throw hostError('NO_CREDENTIALS', 'the custom provider returned no credentials')
      return new Credentials({ ...r, source: 'custom-provider' })
    }
    case 'cache': {
      const c = freshCached(nowMs)
      if (c !== null) return c
      break // cleared in between: resolve again below
    }
    case 'environment': {
      const f = call(() => native.envCredentials(env.AWS_ACCESS_KEY_ID ?? null, env.AWS_SECRET_ACCESS_KEY ?? null, env.AWS_SESSION_TOKEN ?? null))
      return toCredentials(f, nowMs)
    }
    case 'none':
      throw hostError('NO_CREDENTIALS', 'AWS_EC2_METADATA_DISABLED=true and no other source is configured')
    default:
      return sharedFetch(step, env, options)
  }
  return getCredentials(options)
}

/** Empties the process-wide cache (call it after a MONGODB-AWS authentication failure). */
function clearCredentialCache() {
  cached = null
  generation++
}

/** The cached endpoint credentials, fresh or not (diagnostics), or undefined. */
function cachedCredentials() {
  return cached?.credentials
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
    return c.toAwsCredentialIdentity()
  }
}

/** Whether a driver error is an authentication failure (MongoDB error 18). */
function isAuthFailure(e) {
  for (let x = e, i = 0; x && i < 5; x = x.cause, i++) {
    if (x.code === 18 || x.codeName === 'AuthenticationFailed') return true
  }
  return false
}

/**
 * Clears the cache whenever `client` (a MongoClient) fails to authenticate a connection, so that
 * the next attempt fetches fresh credentials instead of reusing revoked or rotated ones (the spec:
 * clear the cache after an authentication failure). Returns a function that stops watching.
 */
function clearCacheOnAuthFailure(client) {
  if (client === null || typeof client !== 'object' || typeof client.on !== 'function') {
    throw new TypeError('clearCacheOnAuthFailure needs a MongoClient (an EventEmitter)')
  }
  const onFailure = (event) => {
    if (isAuthFailure(event?.error)) clearCredentialCache()
  }
  client.on('connectionCheckOutFailed', onFailure)
  return () => client.off('connectionCheckOutFailed', onFailure)
}

// ---------------------------------------------------------------------------------------------
// Explicit providers (not in the automatic chain)
// ---------------------------------------------------------------------------------------------

/**
 * STS AssumeRole with base credentials (resolved with getCredentials() when not given). Returns a
 * provider function: call it to get temporary credentials (source "assume-role"). Not cached.
 *
 * options: { roleArn, roleSessionName?, externalId?, durationSeconds?, mfaSerialNumber?,
 *            mfaTokenCode?, baseCredentials?, env?, fetch?, now?, timeouts? }
 */
function assumeRole(options) {
  if (options === null || typeof options !== 'object' || typeof options.roleArn !== 'string') {
    throw new TypeError('assumeRole needs { roleArn }')
  }
  return async function assumeRoleProvider() {
    const env = options.env ?? process.env
    const base = options.baseCredentials ? Credentials._from(options.baseCredentials) : await getCredentials({ env, fetch: options.fetch, now: options.now, timeouts: options.timeouts })
    const nowMs = nowMsOf(options)
    const plan = call(() =>
      native.assumeRoleRequest(
        {
          roleArn: options.roleArn,
          roleSessionName: options.roleSessionName ?? undefined,
          random: crypto.randomBytes(16),
          externalId: options.externalId ?? undefined,
          durationSeconds: options.durationSeconds ?? undefined,
          mfaSerialNumber: options.mfaSerialNumber ?? undefined,
          mfaTokenCode: options.mfaTokenCode ?? undefined,
          sts: stsSettings(env),
        },
        Credentials._native(base),
        nowMs,
      ),
    )
    const body = await exchange(plan, timeouts(env, options).endpoint, 'ENDPOINT_TIMEOUT', options)
    return toCredentials(parse(native.assumeRoleParse, body, true), nowMs)
  }
}

/**
 * STS AssumeRoleWithSAML. Returns a provider function (source "saml"). Not cached.
 *
 * options: { roleArn, principalArn, samlAssertion (base64), durationSeconds?, env?, fetch?, now?, timeouts? }
 */
function assumeRoleWithSaml(options) {
  if (options === null || typeof options !== 'object' || typeof options.roleArn !== 'string') {
    throw new TypeError('assumeRoleWithSaml needs { roleArn, principalArn, samlAssertion }')
  }
  return async function samlProvider() {
    const env = options.env ?? process.env
    const plan = call(() =>
      native.samlRequest({
        roleArn: options.roleArn,
        principalArn: options.principalArn,
        samlAssertion: options.samlAssertion,
        durationSeconds: options.durationSeconds ?? undefined,
        sts: stsSettings(env),
      }),
    )
    const body = await exchange(plan, timeouts(env, options).endpoint, 'ENDPOINT_TIMEOUT', options)
    return toCredentials(parse(native.samlParse, body, true), nowMsOf(options))
  }
}

module.exports = {
  getCredentials,
  credentialProvider,
  clearCredentialCache,
  clearCacheOnAuthFailure,
  cachedCredentials,
  assumeRole,
  assumeRoleWithSaml,
  DEFAULT_TIMEOUTS,
}
