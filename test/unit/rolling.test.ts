import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import type {DaemonClient} from '../../src/daemon/client.js'
import type {ReplaceRequest} from '../../src/daemon/protocol.js'
import {SeaweedctlError} from '../../src/lib/errors.js'
import type {ProcessPlan} from '../../src/plan/types.js'
import {describeShort, expectedReplicas, roll, type RollStep} from '../../src/services/rolling.js'
import type {ProcessStatus, StatusReport} from '../../src/supervisor/status-types.js'

/**
 * A daemon that runs nothing: a replace onto a plan whose args include "broken" leaves the process crash-looping
 * (BACKOFF, restarts climbing); any other plan gets it RUNNING on a new pid.
 */
class FakeDaemon {
  replaced: Array<{name: string; args: string[]; version: string}> = []
  private version = 0
  private nextPid = 500
  constructor(private readonly processes: ProcessStatus[]) {}

  async status(): Promise<StatusReport> {
    return {name: 'dev', version: this.version, daemon: {pid: 1, startedAt: '', uptimeMs: 0}, endpoints: {master: 'http://127.0.0.1:9333'}, s3: null, processes: structuredClone(this.processes)}
  }

  next = (): Promise<StatusReport> => this.status()

  async request(method: string, path: string, body: ReplaceRequest): Promise<unknown> {
    assert.equal(`${method} ${path}`, 'POST /v1/replace')
    this.replaced.push({name: body.name, args: body.plan.args, version: body.weed!.version})
    const p = this.processes.find((q) => q.name === body.name)!
    this.version++
    if (body.plan.args.includes('broken')) Object.assign(p, {state: 'BACKOFF', pid: null, restarts: p.restarts + 2, health: 'exited with code 1'})
    else Object.assign(p, {state: 'RUNNING', pid: this.nextPid++, weedVersion: body.weed!.version})
    return {accepted: true}
  }
}

const proc = (name: string, kind: 'filer' | 's3', pid: number): ProcessStatus => ({
  name, kind, state: 'RUNNING', pid, uptimeMs: 1, address: '127.0.0.1:1', ports: {http: 1, grpc: 2}, restarts: 0, health: '', lastRestart: null, logFile: '', weedVersion: '4.30', command: [],
})
const plan = (name: string, kind: 'filer' | 's3', index: number, args: string[]) => ({name, kind, index, args} as unknown as ProcessPlan)
const step = (name: string, kind: 'filer' | 's3', args: string[]): RollStep => ({
  name, plan: plan(name, kind, 1, args), weed: {path: '/new/weed', version: '4.48'},
  previous: plan(name, kind, 1, ['old']), previousWeed: {path: '/old/weed', version: '4.30'},
})
const options = {masterUrls: [], volumeServers: [], timeoutMs: 5000, reason: 'test', say: () => {}, goBack: 'To go back: seaweedctl weed upgrade 4.30'}

describe('roll', () => {
  test('one at a time in dependency order, each onto its new plan and weed', async () => {
    const daemon = new FakeDaemon([proc('filer-1', 'filer', 10), proc('s3-1', 's3', 11)])
    const done = await roll(daemon as unknown as DaemonClient, [step('s3-1', 's3', ['new']), step('filer-1', 'filer', ['new'])], options)
    assert.deepEqual(done, ['filer-1', 's3-1'])
    assert.deepEqual(daemon.replaced, [{name: 'filer-1', args: ['new'], version: '4.48'}, {name: 's3-1', args: ['new'], version: '4.48'}])
  })

  test('a step that fails is put back on what it ran, the roll stops there, and the error says where it stands and how to go back', async () => {
    const daemon = new FakeDaemon([proc('filer-1', 'filer', 10), proc('s3-1', 's3', 11)])
    await assert.rejects(roll(daemon as unknown as DaemonClient, [step('filer-1', 'filer', ['broken']), step('s3-1', 's3', ['new'])], options), (error: SeaweedctlError) => {
      assert.equal(error.code, 'ROLL_FAILED')
      assert.equal(error.exitCode, 3)
      assert.match(error.message, /filer-1 failed on its new plan/)
      assert.match(error.message, /filer-1 runs what it ran before again/)
      assert.match(error.message, /Still on the old: filer-1, s3-1/)
      assert.deepEqual(error.hints.at(-1), 'To go back: seaweedctl weed upgrade 4.30')
      assert.deepEqual(error.data.remaining, ['filer-1', 's3-1'])
      return true
    })
    assert.deepEqual(daemon.replaced, [{name: 'filer-1', args: ['broken'], version: '4.48'}, {name: 'filer-1', args: ['old'], version: '4.30'}], 's3-1 was never touched')
  })
})

test('a roll expects only volumes listed with every copy: one caught while weed creates it is not waited for', () => {
  const holders = new Map([[1, new Set(['a:1', 'b:1'])], [2, new Set(['a:1'])], [3, new Set(['c:1'])]])
  const copies = new Map([[1, 2], [2, 2]])
  assert.deepEqual([...expectedReplicas({holders, copies})], [[1, 2], [3, 1]])
  assert.deepEqual([...expectedReplicas(undefined)], [])
})

test('a roll that ends short of replicas says which volume servers still keep each volume\'s files', () => {
  const disks: Record<string, string[]> = {'/d/volume-1': ['3.dat', '3.idx', 'pics_23.dat'], '/d/volume-2': ['23.idx', '123.dat', '24.vif', '25.note'], '/d/volume-3': ['25.dat.tmp']}
  const servers = ['volume-1', 'volume-2', 'volume-3'].map((name) => ({name, dataDir: `/d/${name}`}))
  assert.equal(
    describeShort([[23, 0, 2], [24, 1, 2], [25, 0, 2]], servers, (dir) => disks[dir] ?? []),
    'volume 23: 0 of 2 replicas listed, its files on disk in volume-1, volume-2; volume 24: 1 of 2 replicas listed, its files on disk in volume-2; volume 25: 0 of 2 replicas listed, no volume server keeps its files',
  )
  assert.equal(describeShort([[7, 1, 2]], []), 'volume 7: 1 of 2 replicas listed', 'no volume server restarted: nothing said of disks')
})

describe('a volume whose files are gone during a roll', () => {
  // A master whose /vol/status lists volume 5 and volume 22 on both servers (replication 001) at first. Volume 22's
  // files are on no disk: its collection was deleted while the master took in the heartbeats that added it, so the
  // master lists copies of it until their servers reconnect. After each restart, the restarted server no longer
  // lists it (`afterRestart` says what is listed then).
  async function cluster(t: {after: (fn: () => void) => void}, afterRestart: (restarts: number) => Record<string, number[]>) {
    let restarts = 0
    const volumes = (ids: number[]) => ids.map((Id) => ({Id, ReplicaPlacement: {SameRackCount: 1}}))
    const server = createServer((_request, response) => {
      const listed = restarts === 0 ? {'127.0.0.1:1': [5, 22], '127.0.0.1:2': [5, 22]} : afterRestart(restarts)
      response.end(JSON.stringify({Volumes: {DataCenters: {dc1: {rack1: Object.fromEntries(Object.entries(listed).map(([node, ids]) => [node, volumes(ids)]))}}}}))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-roll-'))
    t.after(() => {
      server.close()
      rmSync(dir, {recursive: true, force: true})
    })
    const volumeServers = ['volume-1', 'volume-2'].map((name) => ({name, dataDir: join(dir, name)}))
    for (const v of volumeServers) {
      mkdirSync(v.dataDir)
      writeFileSync(join(v.dataDir, '5.dat'), '')
    }
    const daemon = new FakeDaemon(['volume-1', 'volume-2'].map((name, i) => ({...proc(name, 's3', 10 + i), kind: 'volume' as const})))
    const original = daemon.request.bind(daemon)
    daemon.request = async (method, path, body) => {
      restarts++
      return original(method, path, body)
    }
    const volumeStep = (name: string, node: string): RollStep => {
      const plan = {name, kind: 'volume', index: Number(name.at(-1)), args: [], readiness: {kind: 'volumeListed', node}} as unknown as ProcessPlan
      return {name, plan, previous: plan, weed: {path: '/weed', version: '4.30'}, previousWeed: {path: '/weed', version: '4.30'}}
    }
    const steps = [volumeStep('volume-2', '127.0.0.1:2'), volumeStep('volume-1', '127.0.0.1:1')]
    const masterUrls = [`http://127.0.0.1:${(server.address() as AddressInfo).port}`]
    return {daemon, steps, volumeServers, masterUrls}
  }
  const restartedListNothingOf22 = (restarts: number) => ({'127.0.0.1:1': restarts >= 2 ? [5] : [5, 22], '127.0.0.1:2': [5]})

  test('listed on the server about to go down, but on no disk: the roll says it is gone and does not wait for it', async (t) => {
    const {daemon, steps, volumeServers, masterUrls} = await cluster(t, restartedListNothingOf22)
    const said: string[] = []
    const done = await roll(daemon as unknown as DaemonClient, steps, {...options, masterUrls, volumeServers, ordered: true, timeoutMs: 3000, say: (line: string) => said.push(line)})
    assert.deepEqual(done, ['volume-2', 'volume-1'])
    assert.ok(said.some((line) => /^volume 22 is gone: no volume server keeps its files/.test(line)), said.join('\n'))
  })

  test('listed nowhere once the roll ends, and on no disk: the roll ends without waiting for it', async (t) => {
    const {daemon, steps, volumeServers, masterUrls} = await cluster(t, () => ({'127.0.0.1:1': [5], '127.0.0.1:2': [5]}))
    const said: string[] = []
    assert.deepEqual(await roll(daemon as unknown as DaemonClient, steps, {...options, masterUrls, volumeServers, ordered: true, timeoutMs: 3000, say: (line: string) => said.push(line)}), ['volume-2', 'volume-1'])
    assert.ok(said.some((line) => /^volume 22 is gone/.test(line)), said.join('\n'))
  })

  test('its files still on a volume server\'s disk: the roll waits for it, then fails naming where they are', async (t) => {
    const {daemon, steps, volumeServers, masterUrls} = await cluster(t, restartedListNothingOf22)
    writeFileSync(join(volumeServers[1].dataDir, 'pics_22.idx'), '')
    await assert.rejects(roll(daemon as unknown as DaemonClient, steps, {...options, masterUrls, volumeServers, ordered: true, timeoutMs: 1500}), (error: SeaweedctlError) => {
      assert.equal(error.code, 'ROLL_FAILED')
      assert.match(error.message, /not restarting volume-1, but the master does not list every replica again/)
      assert.match(error.message, /volume 22: 1 of 2 replicas listed, its files on disk in volume-2/)
      assert.match(error.message, /Already on the new plan: volume-2\. Still on the old: volume-1\./)
      return true
    })
  })
})
