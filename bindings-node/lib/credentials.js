'use strict'
// Credentials: validated by the core on construction, held natively (with the last signing key
// derived from them); expiration, source and fromCache are what the runtime said about them.

const native = require('../binding.js')
const { convert } = require('./errors.js')
const { optionalString } = require('./args.js')
const { nativeGetters } = require('./accessors.js')

const inspect = Symbol.for('nodejs.util.inspect.custom')

/**
 * AWS credentials: access key id, secret, optional session token, and (for temporary credentials)
 * their expiration and where they came from. Validated by the core on construction.
 */
/** Credentials built for plain objects, by object (entries go away with the objects). */
const plainCache = new WeakMap()

/** Internal accessors of Credentials' private fields (set in its static block). */
let nativeOf
let slotOf
let markFromCache
let setRefusalHint
let setOrigin

class Credentials {
  #native
  #expiration
  #source
  #slot
  #fromCache = false
  #refusalHint
  #origin

  static {
    nativeOf = (c) => c.#native
    slotOf = (c) => c.#slot
    markFromCache = (c) => {
      c.#fromCache = true
    }
    setRefusalHint = (c, hint) => {
      c.#refusalHint = hint
    }
    setOrigin = (c, profile, file, line) => {
      c.#origin = { profile, file, line }
    }
  }

  /**
   * new Credentials(accessKeyId, secretAccessKey, sessionToken?, { expiration?, source? })
   * new Credentials({ accessKeyId, secretAccessKey, sessionToken?, expiration?, source? })
   */
  constructor(accessKeyId, secretAccessKey, sessionToken, options) {
    let parts
    if (accessKeyId !== null && typeof accessKeyId === 'object') {
      parts = accessKeyId
    } else {
      parts = { accessKeyId, secretAccessKey, sessionToken, ...(options ?? {}) }
    }
    const id = optionalString('accessKeyId', parts.accessKeyId)
    const secret = optionalString('secretAccessKey', parts.secretAccessKey)
    const token = optionalString('sessionToken', parts.sessionToken)
    try {
      this.#native = new native.NativeCredentials(id, secret, token)
    } catch (e) {
      throw convert(e)
    }
    this.#slot = this.#native.slot
    const exp = parts.expiration
    if (exp !== undefined && exp !== null && !(exp instanceof Date && !Number.isNaN(exp.getTime()))) {
      throw new TypeError('expiration must be a valid Date')
    }
    this.#expiration = exp ?? undefined
    this.#source = optionalString('source', parts.source) ?? undefined
  }

  /** The spec's combination rule on optional parts (empty strings count as absent); as `new Credentials({...})`. */
  static fromParts(accessKeyId, secretAccessKey, sessionToken) {
    return new Credentials({ accessKeyId, secretAccessKey, sessionToken })
  }

  /** Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the spec's rule: empty = unset). */
  static fromEnv(env = process.env) {
    return new Credentials({
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN,
      source: 'environment',
    })
  }

  /** @internal a Credentials for a Credentials or an AWS-SDK-shaped object */
  static _from(c) {
    if (c instanceof Credentials) return c
    if (c !== null && typeof c === 'object') {
      // The same AWS-SDK-shaped object passed again (providers hand out one object until it
      // expires) reuses its validated Credentials and signing key, unless its fields changed.
      const hit = plainCache.get(c)
      if (hit !== undefined && hit.id === c.accessKeyId && hit.secret === c.secretAccessKey && hit.token === c.sessionToken) {
        return hit.credentials
      }
      const credentials = new Credentials(c)
      plainCache.set(c, { id: c.accessKeyId, secret: c.secretAccessKey, token: c.sessionToken, credentials })
      return credentials
    }
    throw new TypeError('credentials must be a Credentials or { accessKeyId, secretAccessKey, sessionToken? }')
  }

  /** @internal the native handle */
  static _native(c) {
    return Credentials._from(c).#native
  }

  // accessKeyId, secretAccessKey; sessionToken: the session token, or undefined for long-term
  // credentials.
  static {
    nativeGetters(this, (c) => c.#native, ['accessKeyId', 'secretAccessKey'], ['sessionToken'])
  }
  /** When temporary credentials expire (undefined for long-term ones). */
  get expiration() {
    return this.#expiration
  }
  /** Where the credentials came from ("environment", "ecs", "ec2", ...; undefined when built by hand). */
  get source() {
    return this.#source
  }

  /** Whether getCredentials() answered from the process-wide cache (no request was made). */
  get fromCache() {
    return this.#fromCache
  }

  /** The profile of the AWS shared files that supplied them (for a role chain, the profile asked for), or undefined. */
  get profile() {
    return this.#origin?.profile
  }
  /** The file holding that profile, or undefined. */
  get originFile() {
    return this.#origin?.file
  }
  /** The 1-based line of that profile's section header, or undefined. */
  get originLine() {
    return this.#origin?.line
  }

  /**
   * What to add when a server refuses a MONGODB-AWS authentication with these credentials: the
   * source, the access key id, the $external user the server looks up (as far as known without
   * STS) and the assumed-role hint — the runtime's one text.
   */
  refusalHint() {
    return this.#refusalHint ?? native.refusalHintFor(this.accessKeyId, this.sessionToken !== undefined)
  }

  /** The AWS SDK / MongoDB driver shape: { accessKeyId, secretAccessKey, sessionToken?, expiration? }. */
  toAwsCredentialIdentity() {
    const out = { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey }
    if (this.sessionToken !== undefined) out.sessionToken = this.sessionToken
    if (this.#expiration !== undefined) out.expiration = this.#expiration
    return out
  }

  /** JSON without secrets. */
  toJSON() {
    return {
      accessKeyId: this.accessKeyId,
      secretAccessKey: '<redacted>',
      sessionToken: this.sessionToken === undefined ? undefined : '<redacted>',
      expiration: this.#expiration,
      source: this.#source,
    }
  }

  toString() {
    return `Credentials(${this.accessKeyId})`
  }

  [inspect]() {
    const token = this.sessionToken === undefined ? '' : ", sessionToken: '<redacted>'"
    const exp = this.#expiration === undefined ? '' : `, expiration: ${this.#expiration.toISOString()}`
    const src = this.#source === undefined ? '' : `, source: '${this.#source}'`
    return `Credentials { accessKeyId: '${this.accessKeyId}', secretAccessKey: '<redacted>'${token}${exp}${src} }`
  }
}

module.exports = {
  Credentials,
  nativeOf: (c) => nativeOf(c),
  slotOf: (c) => slotOf(c),
  markFromCache: (c) => markFromCache(c),
  setRefusalHint: (c, hint) => setRefusalHint(c, hint),
  setOrigin: (c, profile, file, line) => setOrigin(c, profile, file, line),
}
