'use strict'
// Argument checks and conversions shared by the JavaScript layer.

function bytes(name, v) {
  if (v instanceof Uint8Array) return v
  if (v instanceof ArrayBuffer) return new Uint8Array(v)
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  throw new TypeError(`${name} must be a Buffer, Uint8Array or ArrayBuffer`)
}

/** Bytes from a string (UTF-8) or anything `bytes` takes. */
function bytesOrString(name, v) {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : bytes(name, v)
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

function headerValue(name, v) {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  throw new TypeError(`header ${name} must be a string or a number`)
}

/** Flattens headers (plain object, Headers, Map or [name, value] pairs) into [n, v, n, v, ...]. */
function flattenHeaders(headers) {
  const flat = []
  if (headers === undefined || headers === null) return flat
  const push = (n, v) => {
    if (v === undefined || v === null) return
    if (Array.isArray(v)) {
      for (const x of v) flat.push(n, headerValue(n, x))
    } else {
      flat.push(n, headerValue(n, v))
    }
  }
  if (typeof headers[Symbol.iterator] === 'function' || typeof headers.entries === 'function') {
    const it = typeof headers[Symbol.iterator] === 'function' ? headers : headers.entries()
    for (const pair of it) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('headers must be [name, value] pairs')
      push(string('header name', pair[0]), pair[1])
    }
  } else if (typeof headers === 'object') {
    for (const n of Object.keys(headers)) push(n, headers[n])
  } else {
    throw new TypeError('headers must be an object, a Headers, a Map or [name, value] pairs')
  }
  return flat
}

module.exports = { bytes, bytesOrString, optionalString, string, nowMs, flattenHeaders }
