'use strict'
// Typed errors. The classes follow the core's numbering blocks; `code` is the core's stable name
// (Error::name()), `number` its stable number (the C ABI's mongodb_aws_status).

const native = require('../binding.js')

// ---------------------------------------------------------------------------------------------

/** The public error classes (index.js exports them as they are). */
const classes = require('./error-classes.js')
const { MongoDBAWSError } = classes

const FAMILIES = new Map([
  [1, classes.InvalidArgumentError],
  [2, classes.CredentialsError],
  [3, classes.ConversationError],
  [4, classes.ResponseError],
  [5, classes.ServerConversationError],
  [9, classes.InternalError],
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

module.exports = { classes, ERROR_TABLE, makeError, convert }
