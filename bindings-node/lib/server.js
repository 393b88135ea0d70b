'use strict'
// The server side of MONGODB-AWS (core sasl::server and caller_identity), for a MongoDB-compatible
// server or proxy: check client-first, answer server-first, check client-final and get the request
// to forward to STS, read STS's answer and map the ARN to the $external user name.

const crypto = require('node:crypto')
const native = require('../binding.js')
const { convert, makeError } = require('./errors.js')
const { bytes, string, nowMs } = require('./args.js')

const MAX_CLOCK_SKEW_SECONDS = native.maxClockSkewSeconds()
const STS_DEFAULT_HOST = native.constants().stsDefaultHost

function call(fn) {
  try {
    return fn()
  } catch (e) {
    throw convert(e)
  }
}

/**
 * One MONGODB-AWS conversation, server side, built from the client's saslStart payload.
 *
 *   const conv = new ServerConversation(saslStartPayload, { stsHost })
 *   reply(conv.serverFirst())
 *   const req = conv.clientFinal(saslContinuePayload)      // the request to send to STS
 *   const id = parseCallerIdentity(status, body)            // STS's answer
 *   id.userName                                             // the $external user
 */
class ServerConversation {
  #native

  /** options: { stsHost = 'sts.amazonaws.com', serverRandom = 32 random bytes } */
  constructor(clientFirst, options = {}) {
    const cf = bytes('clientFirst', clientFirst)
    const random = options.serverRandom === undefined ? crypto.randomBytes(32) : bytes('serverRandom', options.serverRandom)
    const host = options.stsHost === undefined ? STS_DEFAULT_HOST : string('stsHost', options.stsHost)
    this.#native = call(() => new native.NativeServerConversation(cf, random, host))
  }

  /** The client's nonce (32 bytes). */
  get clientNonce() {
    return this.#native.clientNonce
  }
  /** The client's channel-binding flag, "n" or "y". */
  get gs2Flag() {
    return this.#native.gs2Flag
  }
  /** The 64-byte server nonce (client nonce + server random). */
  get serverNonce() {
    return this.#native.serverNonce
  }
  /** Base64 of the server nonce (the X-MongoDB-Server-Nonce value). */
  get serverNonceBase64() {
    return this.#native.serverNonceBase64
  }
  /** The STS host sent in server-first. */
  get stsHost() {
    return this.#native.stsHost
  }
  /** The signing region the STS host implies. */
  get region() {
    return this.#native.region
  }

  /** The saslStart reply payload: BSON { s: BinData(0, server nonce), h: STS host }. */
  serverFirst() {
    return call(() => this.#native.serverFirst())
  }

  /**
   * Checks client-final (fields, Authorization, signed headers, scope, token, and that its date is
   * within maxSkewSeconds of now) and returns the request to forward to STS:
   * { method, path, host, headers: { name: value }, headerList: [[name, value], ...], body, http,
   *   accessKeyId, sessionToken, amzDate }.
   */
  clientFinal(clientFinal, options = {}) {
    const cf = bytes('clientFinal', clientFinal)
    const skew = options.maxSkewSeconds === undefined ? MAX_CLOCK_SKEW_SECONDS : options.maxSkewSeconds
    if (!Number.isInteger(skew) || skew < 0 || skew > 0xffffffff) throw new TypeError('maxSkewSeconds must be a non-negative integer')
    const r = call(() => this.#native.clientFinal(cf, nowMs(options.now), skew))
    const headerList = []
    const headers = {}
    for (let i = 0; i < r.headers.length; i += 2) {
      headerList.push([r.headers[i], r.headers[i + 1]])
      headers[r.headers[i]] = r.headers[i + 1]
    }
    return {
      method: r.method,
      path: r.path,
      host: r.host,
      headers,
      headerList,
      body: r.body,
      http: r.http,
      accessKeyId: r.accessKeyId,
      sessionToken: r.sessionToken ?? undefined,
      amzDate: r.amzDate,
    }
  }
}

/** The MongoDB $external user name for a caller ARN (assumed-role sessions become .../ROLE/*). */
function userName(arn) {
  return call(() => native.userName(string('arn', arn)))
}

/**
 * Parses STS's reply to the forwarded GetCallerIdentity request: { arn, userId, account, userName }.
 * A rejection (SignatureDoesNotMatch, InvalidClientTokenId, ...) throws ServerConversationError
 * STS_REJECTED with `stsCode` and `stsMessage`.
 */
function parseCallerIdentity(status, body) {
  if (!Number.isInteger(status)) throw new TypeError('status must be an HTTP status code')
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : bytes('body', body)
  const r = call(() => native.parseCallerIdentity(status, b))
  if (!r.identity) {
    const base = makeError('STS_REJECTED')
    const e = makeError('STS_REJECTED', `${base.message}: ${r.rejectedCode}: ${r.rejectedMessage}`)
    e.stsCode = r.rejectedCode
    e.stsMessage = r.rejectedMessage
    throw e
  }
  const { arn, userId, account } = r.identity
  return { arn, userId: userId ?? undefined, account: account ?? undefined, userName: userName(arn) }
}

module.exports = { ServerConversation, parseCallerIdentity, userName, MAX_CLOCK_SKEW_SECONDS }
