'use strict'
// The credential scenario suite (testdata/credential-scenarios/*.json, served by
// tests/emulators/scenarios.py) through this package's public API: tests/scenarios/runner.py runs
// every scenario with test/scenario-host.cjs as the host program and must report no failure. The
// expectations are the suite's own, the same for every host.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { ROOT } = require('./helpers.js')

const PYTHON = process.env.PYTHON ?? 'python3'
const RUNNER = path.join('tests', 'scenarios', 'runner.py')
const HOST = path.join('bindings-node', 'test', 'scenario-host.cjs')

/** A POSIX-shell word (the runner splits --host-cmd with shlex). */
const word = (s) => `'${s.replaceAll("'", "'\\''")}'`

test('every credential scenario passes through getCredentials()', { timeout: 15 * 60_000 }, async () => {
  const args = [RUNNER, '--host-cmd', `${word(process.execPath)} ${HOST}`]
  if (process.env.SCENARIO_JOBS) args.push('--jobs', process.env.SCENARIO_JOBS)
  // The host must run as a plain program, not as a child of this test runner.
  const env = { ...process.env }
  delete env.NODE_TEST_CONTEXT
  const child = spawn(PYTHON, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const code = await new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  const summary = /^scenarios: (\d+) passed, (\d+) failed/m.exec(out)
  const failures = out.split('\n').filter((l, i, all) => l.startsWith('FAIL') || (l.startsWith('    ') && all.slice(0, i).reverse().find((x) => !x.startsWith('    '))?.startsWith('FAIL')))
  assert.ok(summary, `no summary from the runner (exit ${code}):\n${out}`)
  assert.equal(Number(summary[2]), 0, `${summary[0]}\n${failures.join('\n')}`)
  assert.ok(Number(summary[1]) > 0, 'no scenario ran')
  assert.equal(code, 0, out)
})
