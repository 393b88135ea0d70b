'use strict'
// Typed errors. The classes follow the core's numbering blocks; `code` is the core's stable name
// (Error::name()), `number` its stable number (the C ABI's mongodb_aws_status).

const native = require('../binding.js')

// ---------------------------------------------------------------------------------------------

/** Base class of every error raised by the core; `code` is its stable upper-case name. */
class MongoDBAWSError extends Error {
  constructor(message, code, number, options) {
    super(message, options)
    this.name = new.target.name
    /** Stable upper-case name, e.g. "SERVER_NONCE_MISMATCH" (same as C and Python). */
    this.code = code
    /** Stable number, the C ABI's mongodb_aws_status value (Python's `.number`). */
    this.number = number
  }
}
/** 100-199: a value passed by the caller is malformed (request parts, region, time, ...). */
class InvalidArgumentError extends MongoDBAWSError {}
/** 200-299: credentials are missing, incomplete, malformed or expired. */
class CredentialsError extends MongoDBAWSError {}
/** 300-399: the server's SASL message (server-first) is invalid. */
class ConversationError extends MongoDBAWSError {}
/** 400-499: a credential endpoint or STS returned something unusable, or could not be reached. */
class ResponseError extends MongoDBAWSError {}
/** 500-599: server side of the conversation (client messages or STS replies rejected). */
class ServerConversationError extends MongoDBAWSError {}
/** 900-999: internal limits (e.g. inputs too large to sign). */
class InternalError extends MongoDBAWSError {}

const FAMILIES = new Map([
  [1, InvalidArgumentError],
  [2, CredentialsError],
  [3, ConversationError],
  [4, ResponseError],
  [5, ServerConversationError],
  [9, InternalError],
])

const ERROR_TABLE = Object.freeze(
  native.errorTable().map((e) => Object.freeze({ code: e.name, number: e.number, message: e.message })),
)
const ERRORS_BY_CODE = new Map(ERROR_TABLE.map((e) => [e.code, e]))

/** Builds the typed error for a core error code (the class follows the code's numbering block). */
function makeError(code, message, options) {
  const info = ERRORS_BY_CODE.get(code)
  if (info === undefined) throw new TypeError(`unknown mongodb-aws error code: ${code}`)
  const Cls = FAMILIES.get(Math.floor(info.number / 100)) ?? MongoDBAWSError
  return new Cls(message ?? info.message, info.code, info.number, options)
}

/** Converts an error thrown by the native module; other errors pass through unchanged. */
function convert(err) {
  if (err instanceof Error && !(err instanceof MongoDBAWSError) && ERRORS_BY_CODE.has(err.code)) {
    const e = makeError(err.code, err.message)
    // Keep the caller's frames rather than this file's.
    if (typeof err.stack === 'string') e.stack = `${e.name}: ${e.message}${err.stack.slice(err.stack.indexOf('\n'))}`
    return e
  }
  return err
}

/** The public error classes (index.js exports them as they are). */
const classes = {
  MongoDBAWSError,
  InvalidArgumentError,
  CredentialsError,
  ConversationError,
  ResponseError,
  ServerConversationError,
  InternalError,
}

module.exports = { classes, ERROR_TABLE, makeError, convert }
