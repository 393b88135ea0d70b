'use strict'
// The public error classes, one a numbering block of the core's errors (lib/errors.js builds them;
// index.js re-exports this module as it is, so that the ESM entry sees every class by name).

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

module.exports = {
  MongoDBAWSError,
  InvalidArgumentError,
  CredentialsError,
  ConversationError,
  ResponseError,
  ServerConversationError,
  InternalError,
}
