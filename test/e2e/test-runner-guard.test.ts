import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {REPO} from '../helpers/cli.js'

// No weed here: this is the suite's own runner, run with the flags `npm test` gives it (read from package.json).

/** `npm test`'s node options, from `node` up to the test files. */
function runnerFlags(): string[] {
  const script = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {scripts: Record<string, string>}).scripts.test
  const command = script.split('&&').map((s) => s.trim()).find((s) => s.startsWith('node '))!
  return command.split(/\s+/).slice(1).filter((a) => !a.includes('*'))
}

/** Without NODE_TEST_CONTEXT: this file runs under node --test too, and the inner run is a run of its own. */
function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const {NODE_TEST_CONTEXT: _, ...rest} = env
  return rest
}

describe('a test file that leaves something running', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-runner-'))
  after(() => rmSync(dir, {recursive: true, force: true}))
  const leaky = (name: string, body: string) => {
    const file = join(dir, name)
    writeFileSync(file, `const {test} = require('node:test')\n${body}\ntest('leaves a timer running', () => { setInterval(() => {}, 1000) })\n`)
    return file
  }
  const many = leaky('many.test.cjs', Array.from({length: 2000}, (_, i) => `test('t${i}', () => {})`).join('\n'))
  const failing = leaky('failing.test.cjs', `test('fails', () => { throw new Error('on purpose') })`)
  const run = (files: string[]) => {
    const started = Date.now()
    const r = spawnSync(process.execPath, [...runnerFlags(), ...files], {cwd: REPO, encoding: 'utf8', timeout: 120_000, env: withoutTestContext(process.env)})
    const count = (what: string) => Number(new RegExp(`^(?:#|ℹ) ${what} (\\d+)`, 'm').exec(r.stdout)?.[1])
    return {code: r.status, signal: r.signal, tests: count('tests'), fail: count('fail'), ms: Date.now() - started, out: r.stdout + r.stderr}
  }

  test('ends soon after its tests, and every result is counted', () => {
    const r = run([many])
    assert.equal(r.signal, null, `killed after 120 s: the leak held it open\n${r.out.slice(-2000)}`)
    assert.equal(r.code, 0, r.out.slice(-2000))
    assert.equal(r.tests, 2001, 'the last results reached the runner too')
    assert.ok(r.ms < 60_000, `${r.ms} ms`)
  })

  test('a failure still fails the run', () => {
    const r = run([many, failing])
    assert.equal(r.code, 1, r.out.slice(-2000))
    assert.equal(r.tests, 2003)
    assert.equal(r.fail, 1)
  })
})
