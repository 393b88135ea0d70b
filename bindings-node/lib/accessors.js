'use strict'
// Read-only properties that hand out a native object's own: the classes keep their native object in
// a private field, which only their own code can read, so they pass that code (`nativeOf`) along.

/**
 * Defines on `cls.prototype`, for each name of `plain`, a getter returning `nativeOf(this)[name]`,
 * and for each name of `optional` one returning it or undefined where the native side has null
 * (napi's absent value): what a `get name() { ... }` in the class body is (configurable, not
 * enumerable).
 */
function nativeGetters(cls, nativeOf, plain, optional = []) {
  const define = (name, get) => Object.defineProperty(cls.prototype, name, { get, enumerable: false, configurable: true })
  for (const name of plain) {
    define(name, function () {
      return nativeOf(this)[name]
    })
  }
  for (const name of optional) {
    define(name, function () {
      return nativeOf(this)[name] ?? undefined
    })
  }
}

module.exports = { nativeGetters }
