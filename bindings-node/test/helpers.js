'use strict'
// Shared test helpers: the repository's test data, the request-file parser of the AWS suites, and
// the start of a test server that announces itself with one JSON line.
const fs = require('node:fs')
const path = require('node:path')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')

const ROOT = path.resolve(__dirname, '..', '..')
const VECTORS = path.join(ROOT, 'testdata', 'vectors')
const SPEC_TESTS = path.join(ROOT, 'testdata', 'spec-tests')

const read = (...p) => fs.readFileSync(path.join(...p), 'utf8')
const readHex = (...p) => Buffer.from(read(...p).trim(), 'hex')

/**
 * Parses an AWS suite request file (`.req` / `request.txt`).
 * foldAsValues: the classic suite treats a continuation line as another value of the same header;
 * the CRT suite keeps it in the value (an obsolete line fold).
 */
function parseRequest(text, foldAsValues) {
  const split = text.indexOf('\n\n')
  const head = split < 0 ? text : text.slice(0, split)
  const body = split < 0 ? Buffer.alloc(0) : Buffer.from(text.slice(split + 2), 'utf8')
  const lines = head.split('\n')
  const requestLine = lines.shift()
  const method = requestLine.split(' ', 1)[0]
  const target = requestLine.slice(method.length + 1, requestLine.lastIndexOf(' HTTP/1.1'))
  const q = target.indexOf('?')
  const reqPath = q < 0 ? target : target.slice(0, q)
  const query = q < 0 ? '' : target.slice(q + 1)
  const headers = []
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = headers[headers.length - 1]
      if (foldAsValues) headers.push([last[0], line])
      else last[1] += '\n' + line
    } else {
      const c = line.indexOf(':')
      if (c >= 0) headers.push([line.slice(0, c), line.slice(c + 1)])
    }
  }
  return { method, path: reqPath, query, headers, body }
}

/** Deterministic PRNG (mulberry32) so that a failing generated case can be reproduced from its seed. */
function rng(seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n) => Math.floor(next() * n)
  const pick = (xs) => xs[int(xs.length)]
  const str = (alphabet, min, max) => {
    let s = ''
    const n = min + int(max - min + 1)
    for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)]
    return s
  }
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(256)))
  return { next, int, pick, str, bytes }
}

/**
 * Runs `fn`, which must throw an instance of `Cls` (by default the package's MongoDBAWSError) whose
 * `code` is `expected`; returns the error.
 */
function code(fn, expected, Cls = require('..').MongoDBAWSError) {
  let err
  try {
    fn()
  } catch (e) {
    err = e
  }
  assert.ok(err instanceof Cls, `expected ${expected}, got ${err}`)
  assert.equal(err.code, expected, err.message)
  return err
}

/**
 * Spawns `command` (a test server that prints one JSON line about itself, then serves until its stdin
 * closes) and waits for that line: resolves `{ child, info }` with the line parsed; rejects when the
 * process cannot start or exits first (`${what} exited with <code>`).
 */
async function spawnWithInfo(what, command, args) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d) => {
      buf += d
      const i = buf.indexOf('\n')
      if (i >= 0) resolve(buf.slice(0, i))
    })
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}`)))
  })
  return { child, info: JSON.parse(line) }
}

module.exports = { ROOT, VECTORS, SPEC_TESTS, read, readHex, parseRequest, rng, code, spawnWithInfo }
