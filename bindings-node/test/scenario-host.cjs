'use strict'
// The Node host of the credential scenario suite (testdata/credential-scenarios), through the
// package's public API only: reads {"calls": [{"sleep_ms": n, "env": {..}, "unset": [..],
// "clear_cache": bool, "profile": null|name, "mfa_codes": null|[code, ..]}, ..]} on stdin and, for
// each call, waits sleep_ms, applies the changes to process.env, clears the cache if asked, prints
// {"start": true}, calls getCredentials({ profile, mfaCode }) once (mfaCode, when mfa_codes is a
// list, an async function answering those codes in order) and prints one JSON line
// (tests/scenarios/runner.py compares it with the scenario). Never prints a secret. The protocol of
// runtime/examples/scenario_host.rs.
//
//   python3 tests/scenarios/runner.py --host-cmd "node bindings-node/test/scenario-host.cjs"

const fs = require('node:fs')
const path = require('node:path')
const { setTimeout: sleep } = require('node:timers/promises')
const m = require(path.join(__dirname, '..'))

/** One line on stdout, written before the next step (fs.writeSync: nothing buffered). */
function print(obj) {
  fs.writeSync(1, `${JSON.stringify(obj)}\n`)
}

async function main() {
  if (process.env.NODE_TEST_CONTEXT !== undefined) {
    // `node --test test/` runs every file here: this one is a program, not a test file.
    return 0
  }
  let doc
  try {
    doc = JSON.parse(fs.readFileSync(0, 'utf8'))
  } catch (e) {
    process.stderr.write(`bad input: ${e.message}\n`)
    return 2
  }
  for (const call of doc.calls ?? []) {
    if (call.sleep_ms > 0) await sleep(call.sleep_ms)
    for (const [k, v] of Object.entries(call.env ?? {})) process.env[k] = String(v)
    for (const k of call.unset ?? []) delete process.env[k]
    if (call.clear_cache === true) m.clearCredentialCache()
    print({ start: true })
    const asked = []
    let mfaCode = null
    if (Array.isArray(call.mfa_codes)) {
      const codes = [...call.mfa_codes]
      mfaCode = async (serial) => {
        asked.push(serial)
        if (codes.length === 0) throw new Error('no more codes')
        return String(codes.shift())
      }
    }
    let line
    try {
      const c = await m.getCredentials({ profile: call.profile ?? null, mfaCode })
      line = {
        ok: true,
        source: c.source,
        access_key_id: c.accessKeyId,
        session_token: c.sessionToken !== undefined,
        expiration: c.expiration === undefined ? null : Math.floor(c.expiration.getTime() / 1000),
        from_cache: c.fromCache,
        profile: c.profile ?? null,
        origin_file: c.originFile ?? null,
        origin_line: c.originLine ?? null,
        mfa_asked: asked,
      }
    } catch (e) {
      if (!(e instanceof m.MongoDBAWSError)) throw e
      line = { ok: false, error: e.code, message: e.message, mfa_asked: asked }
    }
    print(line)
  }
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (e) => {
    process.stderr.write(`${e?.stack ?? e}\n`)
    process.exitCode = 1
  },
)
