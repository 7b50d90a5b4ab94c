import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {test} from 'node:test'

import {REPO} from '../helpers/cli.js'

test('loading the API (src/index.ts) loads no oclif', () => {
  const script = `
    import {createRequire} from 'node:module'
    const m = await import('./src/index.ts')
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/node_modules/@oclif/'))
    console.log(JSON.stringify({startCluster: typeof m.startCluster, oclif: loaded.length}))`
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: REPO, encoding: 'utf8'}))
  assert.deepEqual(out, {startCluster: 'function', oclif: 0})
})

test('the CLI up command does load oclif (so the check above can fail)', () => {
  const script = `
    import {createRequire} from 'node:module'
    await import('./src/commands/up.ts')
    console.log(Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/node_modules/@oclif/')).length)`
  assert.ok(Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: REPO, encoding: 'utf8'})) > 0)
})
