/**
 * The packed package from both module systems, as a user installs it: `npm pack`, then the tarball installed into a
 * fresh CommonJS project (`npm ci`, from npm's cache). From there: `require` and `import` both load it; TypeScript
 * typechecks a use of `startCluster` with `moduleResolution` node16 (CommonJS and ES module files) and bundler; a CommonJS test
 * file, run with plain `node --test`, starts a real cluster and stops it (`await using` where this Node has it,
 * else `finally`).
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {REPO, TEST_WEED_VERSION, weedPidsUnder} from '../helpers/cli.js'
import {ensureBuilt} from '../helpers/e2e.js'

// Ports of this file: automatic (portOffset 'auto', startCluster's default).

/**
 * A CommonJS project that depends on the tarball, with a lockfile made from this repository's: its runtime
 * dependencies at the versions and integrity CI's `npm ci` put in npm's cache, so `npm ci` there needs no registry
 * (the end-to-end tests run in a network namespace without one).
 */
function writeConsumer(dir: string, tarball: string): void {
  type Entry = {version?: string; dev?: boolean; resolved?: string; dependencies?: Record<string, string>; [key: string]: unknown}
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {packages: Record<string, Entry>}
  const own = lock.packages['']
  const spec = `file:${tarball}`
  const packages: Record<string, Entry> = {
    '': {name: 'consumer', dependencies: {seaweedctl: spec}},
    'node_modules/seaweedctl': {version: own.version, resolved: spec, dependencies: own.dependencies, bin: own.bin, engines: own.engines},
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    packages[path] = {resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').at(-1)}-${entry.version}.tgz`, ...entry}
  }
  // No "type" field: a CommonJS project, as a Jest suite's usually is.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({name: 'consumer', private: true, dependencies: {seaweedctl: spec}}))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({name: 'consumer', lockfileVersion: 3, requires: true, packages}))
}

interface Run {code: number; stdout: string; stderr: string}

/** Run a command without the test runner's context, so a nested `node --test` reports to its own stdout. */
function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<Run> {
  const {NODE_TEST_CONTEXT: _, ...env} = process.env
  return new Promise((resolvePromise) => {
    execFile(command, args, {cwd, env: {...env, CI: 'true', WEED_VERSION: TEST_WEED_VERSION}, timeout: timeoutMs, maxBuffer: 16 << 20}, (error, stdout, stderr) => {
      resolvePromise({code: error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : 1) : 0, stdout, stderr})
    })
  })
}

/** `await using` is syntax of Node 24 (V8 13.6); on older Nodes the file uses `finally`. */
function hasAwaitUsing(): boolean {
  try {
    new Function('return async () => { await using x = null }')
    return true
  } catch {
    return false
  }
}

// A use of the API that only typechecks when the package's types resolve (the @ts-expect-error line fails on `any`).
const USE_TS = `import {startCluster, SeaweedctlError, type Cluster} from 'seaweedctl'

export async function main(dir: string): Promise<string> {
  const cluster: Cluster = await startCluster({dir, volumes: 2, s3: true, stopOnExit: {purge: true}})
  // @ts-expect-error the master endpoint is a string
  const port: number = cluster.endpoints.master
  try {
    return (await cluster.status()).processes.map((p) => p.name).join(' ') + String(port)
  } catch (error) {
    if (error instanceof SeaweedctlError) return error.code
    throw error
  } finally {
    await cluster.down({purge: true})
  }
}
`

function commonjsTest(awaitUsing: boolean): string {
  const body = awaitUsing
    ? `{
    await using cluster = await startCluster(options)
    master = await roundTrip(cluster)
  }`
    : `const cluster = await startCluster(options)
  try {
    master = await roundTrip(cluster)
  } finally {
    await cluster.down({purge: true})
  }`
  return `const assert = require('node:assert/strict')
const {join} = require('node:path')
const {test} = require('node:test')
const {startCluster, SeaweedctlError} = require('seaweedctl')

const options = {dir: join(__dirname, 'cluster'), volumes: 2, weedVersion: process.env.WEED_VERSION, install: false, stopOnExit: {purge: true}}

async function roundTrip(cluster) {
  const url = cluster.endpoints.filer + '/cjs/hello.txt'
  assert.equal((await fetch(url, {method: 'PUT', body: 'from commonjs'})).status, 201)
  assert.equal(await (await fetch(url)).text(), 'from commonjs')
  return cluster.endpoints.master
}

test('a bad option is a SeaweedctlError, before anything starts', async () => {
  await assert.rejects(startCluster({...options, timeout: 'soon'}), (error) => error instanceof SeaweedctlError && error.code === 'BAD_ARGUMENT')
})

test('startCluster serves, and is stopped at the end of the block', async () => {
  let master
  ${body}
  await assert.rejects(fetch(master + '/cluster/status'), 'the master no longer answers')
})

/**
 * Daemons this process started that still wait for a plan (startCluster starts one early, as up does): in '/',
 * where a daemon waits until it is told its cluster's run directory.
 */
function waitingDaemons() {
  const {readdirSync, readFileSync, readlinkSync} = require('node:fs')
  return readdirSync('/proc').filter((pid) => /^\\d+$/.test(pid)).filter((pid) => {
    try {
      const parent = readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ')[1]
      return parent === String(process.pid) && readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').includes('--stdin') && readlinkSync('/proc/' + pid + '/cwd') === '/'
    } catch {
      return false
    }
  })
}

test('startCluster on the cluster already running returns it, and leaves no daemon waiting', async () => {
  const first = await startCluster(options)
  try {
    const again = await startCluster(options)
    assert.equal(again.endpoints.master, first.endpoints.master)
    for (let i = 0; i < 100 && waitingDaemons().length > 0; i++) await new Promise((r) => setTimeout(r, 100))
    assert.deepEqual(waitingDaemons(), [])
  } finally {
    await first.down({purge: true})
  }
})
`
}

describe('the packed package from CommonJS, ES modules and TypeScript', () => {
  const root = mkdtempSync(join(tmpdir(), 'seaweedctl-modules-'))
  const project = join(root, 'consumer')
  after(() => {
    for (const pid of weedPidsUnder(root)) process.kill(pid, 'SIGKILL')
    rmSync(root, {recursive: true, force: true})
  })

  before(async () => {
    ensureBuilt()
    const pack = await run('npm', ['pack', '--silent', '--pack-destination', root], REPO)
    assert.equal(pack.code, 0, pack.stderr)
    const tarball = join(root, readdirSync(root).find((f) => f.endsWith('.tgz'))!)
    mkdirSync(project)
    writeConsumer(project, tarball)
    const install = await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], project, 600_000)
    assert.equal(install.code, 0, install.stdout + install.stderr)
  })

  test('require() and import both load it, with the same startCluster API', async () => {
    const required = await run(process.execPath, ['-e', "const m = require('seaweedctl'); console.log(Object.keys(m).sort().join(','), typeof m.startCluster)"], project)
    assert.equal(required.code, 0, required.stderr)
    assert.equal(required.stdout.trim(), 'SeaweedctlError,startCluster function')
    const imported = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('seaweedctl'); console.log(typeof m.startCluster, typeof m.SeaweedctlError)"], project)
    assert.equal(imported.code, 0, imported.stderr)
    assert.equal(imported.stdout.trim(), 'function function')
  })

  for (const [label, module, resolution, type] of [
    ['node16, a CommonJS file', 'node16', 'node16', undefined],
    ['node16, an ES module file', 'node16', 'node16', 'module'],
    ['bundler', 'preserve', 'bundler', undefined],
  ] as const) {
    test(`TypeScript typechecks a use of startCluster (moduleResolution ${label})`, async () => {
      const dir = join(project, `ts-${resolution}-${type ?? 'cjs'}`)
      mkdirSync(dir)
      if (type) writeFileSync(join(dir, 'package.json'), JSON.stringify({type}))
      writeFileSync(join(dir, 'use.ts'), USE_TS)
      const compilerOptions = {module, moduleResolution: resolution, target: 'es2022', lib: ['es2023', 'esnext.disposable'], strict: true, noEmit: true, types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')]}
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({compilerOptions, files: ['use.ts']}))
      const tsc = await run(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--explainFiles'], project)
      assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr)
      // The declarations it read are the ones for its module system.
      const entry = type === 'module' || resolution === 'bundler' ? 'index.d.ts' : 'index.d.cts'
      assert.match(tsc.stdout, new RegExp(`^node_modules/seaweedctl/dist/${entry.replace('.', '\\.')}\\n\\s+Imported via 'seaweedctl'`, 'm'))
    })
  }

  test(`a CommonJS test file run with node --test starts and stops a cluster (${hasAwaitUsing() ? 'await using' : 'finally'})`, async () => {
    const file = join(project, 'cluster.test.cjs')
    writeFileSync(file, commonjsTest(hasAwaitUsing()))
    const r = await run(process.execPath, ['--test', '--test-reporter=tap', file], project)
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^# pass 3$/m)
    assert.deepEqual(weedPidsUnder(project), [], 'no weed left running')
  })
})
