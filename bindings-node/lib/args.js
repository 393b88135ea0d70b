'use strict'
// Argument checks and conversions shared by the JavaScript layer.

function bytes(name, v) {
  if (v instanceof Uint8Array) return v
  if (v instanceof ArrayBuffer) return new Uint8Array(v)
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  throw new TypeError(`${name} must be a Buffer, Uint8Array or ArrayBuffer`)
}

function optionalString(name, v) {
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw new TypeError(`${name} must be a string`)
  return v
}

function string(name, v) {
  if (typeof v !== 'string') throw new TypeError(`${name} must be a string`)
  return v
}

/** `now` as milliseconds since the epoch: a Date, a number of milliseconds, or the current time. */
function nowMs(now) {
  if (now === undefined || now === null) return Date.now()
  if (now instanceof Date) return now.getTime()
  if (typeof now === 'number') return now
  throw new TypeError('now must be a Date or a number of milliseconds since the epoch')
}

module.exports = { bytes, optionalString, string, nowMs }
