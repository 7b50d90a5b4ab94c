import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {entryPath, readRegistry, registerCluster, registryDir, type RegistryEntry, unregisterCluster} from '../../src/daemon/registry.js'
import {listClusters, renderList} from '../../src/services/list.js'
import {procIdentity} from '../../src/supervisor/proc.js'

const base = mkdtempSync(join(tmpdir(), 'seaweedctl-registry-test-'))
after(() => rmSync(base, {recursive: true, force: true}))

function entry(name: string, daemon: {pid: number; startTime: number}, specFile: string | null = join(base, name, 'seaweed.yaml')): RegistryEntry {
  const runDir = join(base, name, '.seaweed', 'run')
  return {name, specFile, runDir, dataDir: join(base, name, '.seaweed'), socketPath: join(runDir, 'seaweedctl.sock'), daemon, endpoints: {master: 'http://127.0.0.1:9333'}, updatedAt: new Date().toISOString()}
}

describe('registry of running clusters', () => {
  test('lives under $XDG_STATE_HOME/seaweedctl/clusters, else ~/.local/state/seaweedctl/clusters', () => {
    assert.equal(registryDir({XDG_STATE_HOME: '/x/state', HOME: '/home/u'}), '/x/state/seaweedctl/clusters')
    assert.equal(registryDir({HOME: '/home/u'}), '/home/u/.local/state/seaweedctl/clusters')
  })

  test('one 0600 file per run directory in a 0700 directory; a successor daemon\'s entry is not removed by the old one', () => {
    const dir = join(base, 'perm', 'clusters')
    const e = entry('a', {pid: 111, startTime: 1})
    registerCluster(dir, e)
    registerCluster(dir, {...e, daemon: {pid: 222, startTime: 2}})
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    assert.deepEqual(readdirSync(dir), [entryPath(dir, e.runDir).split('/').at(-1)])
    assert.equal(statSync(entryPath(dir, e.runDir)).mode & 0o777, 0o600)
    unregisterCluster(dir, e.runDir, 111)
    assert.equal(readRegistry(dir)[0].daemon.pid, 222)
    unregisterCluster(dir, e.runDir)
    assert.deepEqual(readRegistry(dir), [])
  })

  test('ls: a live daemon (same pid and start time) is running; a gone one is stale and pruned; debris is ignored', () => {
    const dir = join(base, 'ls', 'clusters')
    const me = procIdentity(process.pid)!
    registerCluster(dir, entry('live', {pid: process.pid, startTime: me.startTime}))
    // The same pid with another start time is a reused pid, not the daemon.
    registerCluster(dir, entry('reused', {pid: process.pid, startTime: me.startTime + 1}))
    registerCluster(dir, entry('deleted-spec', {pid: process.pid, startTime: me.startTime}, join(base, 'nowhere', 'seaweed.yaml')))
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'torn.json'), '{"name": "x"')
    const listed = listClusters(dir)
    assert.deepEqual(listed.clusters.map((c) => [c.name, c.state, c.specExists]), [['deleted-spec', 'running', false], ['live', 'running', false], ['reused', 'stale', false]])
    assert.equal(existsSync(entryPath(dir, entry('reused', {pid: 0, startTime: 0}).runDir)), false, 'the stale entry was pruned')
    const table = renderList(listed)
    assert.match(table, /^NAME\s+STATE\s+DAEMON\s+SPEC\s+RUN DIR\s+ENDPOINTS$/m)
    assert.match(table, /reused\s+stale \(pruned\)/)
    assert.match(table, /nowhere\/seaweed\.yaml \(deleted\)/)
    assert.deepEqual(listClusters(dir).clusters.map((c) => c.name), ['deleted-spec', 'live'])
  })

  test('ls with no registry at all: no clusters', () => {
    assert.equal(renderList(listClusters(join(base, 'none'))), 'no clusters running')
  })
})
