'use strict'
// The server side of MONGODB-AWS (core sasl::server and caller_identity), for a MongoDB-compatible
// server or proxy: check client-first, answer server-first, check client-final and get the request
// to forward to STS, read STS's answer and map the ARN to the $external user name. And the STS side
// (core verify): check a received GetCallerIdentity request the way STS does, for a stand-in STS.

const crypto = require('node:crypto')
const native = require('../binding.js')
const { convert, makeError } = require('./errors.js')
const { bytes, bytesOrString, string, optionalString, nowMs, flattenHeaders } = require('./args.js')
const { nativeGetters } = require('./accessors.js')

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

  // clientNonce: the client's nonce (32 bytes); gs2Flag: the client's channel-binding flag, "n" or
  // "y"; serverNonce: the 64-byte server nonce (client nonce + server random); serverNonceBase64:
  // its base64 (the X-MongoDB-Server-Nonce value); stsHost: the STS host sent in server-first;
  // region: the signing region the STS host implies.
  static {
    nativeGetters(this, (c) => c.#native, ['clientNonce', 'gs2Flag', 'serverNonce', 'serverNonceBase64', 'stsHost', 'region'])
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

/**
 * A GetCallerIdentity request as a stand-in for STS receives it (a test STS behind a
 * MongoDB-compatible server, with no AWS). The constructor runs the checks that need no secret:
 * POST / with the GetCallerIdentity body and no query, one Authorization whose credential scope
 * matches X-Amz-Date, the region of Host and service sts, every signed header present, a session
 * token only if signed. It throws a MongoDBAWSError subclass whose `code` names the rule.
 *
 *   // in a node:http handler, once the body is read:
 *   const r = new IncomingStsRequest({ method: req.method, url: req.url, headers: req.rawHeaders, body })
 *   const { secret, sessionToken } = keys.get(r.accessKeyId)   // your key store
 *   r.verify(secret, sessionToken)                              // date, token, signature
 *   // refuse a second request with the same r.serverNonce (replays are yours to track)
 *
 * `headers` is a plain object, a Headers, a Map, [name, value] pairs or Node's flat `rawHeaders`
 * (pass rawHeaders rather than `req.headers`: Node keeps only one of repeated Authorization or Host
 * headers there, and the verifier must see both to refuse them). `url` is the request target
 * (`/`, or `/?query`); `path` and `query` may be given instead.
 */
class IncomingStsRequest {
  #native

  constructor(request) {
    if (request === null || typeof request !== 'object') throw new TypeError('request must be an object')
    const method = string('method', request.method)
    let path = request.path
    let query = request.query ?? ''
    if (request.url !== undefined) {
      const u = string('url', request.url)
      const q = u.indexOf('?')
      path = q < 0 ? u : u.slice(0, q)
      query = q < 0 ? '' : u.slice(q + 1)
    }
    path = string('path', path)
    query = string('query', query)
    const h = request.headers
    const flat = Array.isArray(h) && h.every((x) => typeof x === 'string') ? h.slice() : flattenHeaders(h)
    if (flat.length % 2 !== 0) throw new TypeError('rawHeaders must have an even length')
    const body = bytesOrString('body', request.body ?? new Uint8Array(0))
    this.#native = call(() => new native.NativeIncomingStsRequest(method, path, query, flat, body))
  }

  // accessKeyId: the access key id of the Authorization credential (look its secret up with it);
  // host: the Host header; region: the signing region Host implies (the credential scope's region);
  // amzDate: X-Amz-Date; sessionToken: X-Amz-Security-Token, or undefined; serverNonce:
  // X-MongoDB-Server-Nonce, or undefined (refuse replays of it).
  static {
    nativeGetters(this, (r) => r.#native, ['accessKeyId', 'host', 'region', 'amzDate'], ['sessionToken', 'serverNonce'])
  }
  /** X-Amz-Date as a Date. */
  get date() {
    return new Date(this.#native.date * 1000)
  }

  /**
   * The checks that need the secret, in this order: X-Amz-Date within 15 minutes of `now` (default
   * the current time), else REQUEST_TIME_SKEWED; the request's session token equal to `sessionToken`
   * (both absent match), else SESSION_TOKEN_MISMATCH; the signature recomputed with `secret` equal
   * to the request's, else SIGNATURE_MISMATCH (ServerConversationError). Tokens and signatures are
   * compared in constant time.
   */
  verify(secret, sessionToken, options = {}) {
    const s = string('secret', secret)
    const t = optionalString('sessionToken', sessionToken)
    const now = nowMs(options.now)
    call(() => this.#native.verify(s, t, now))
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
  const b = bytesOrString('body', body)
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

module.exports = { ServerConversation, IncomingStsRequest, parseCallerIdentity, userName, MAX_CLOCK_SKEW_SECONDS }
