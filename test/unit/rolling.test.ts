import assert from 'node:assert/strict'
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
const options = {masterUrls: [], timeoutMs: 5000, reason: 'test', say: () => {}, goBack: 'To go back: seaweedctl weed upgrade 4.30'}

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

test('a roll that ends short of replicas says which restarted volume servers still keep each volume\'s files', () => {
  const disks: Record<string, string[]> = {'/d/volume-1': ['3.dat', '3.idx', 'pics_23.dat'], '/d/volume-2': ['23.idx', '123.dat', '24.dat'], '/d/volume-3': []}
  const servers = ['volume-1', 'volume-2', 'volume-3'].map((name) => ({name, dataDir: `/d/${name}`}))
  assert.equal(
    describeShort([[23, 0, 2], [24, 1, 2], [25, 0, 2]], servers, (dir) => disks[dir] ?? []),
    'volume 23: 0 of 2 replicas listed, its files on disk in volume-1; volume 24: 1 of 2 replicas listed, its files on disk in volume-2; volume 25: 0 of 2 replicas listed, no restarted volume server keeps its files',
  )
  assert.equal(describeShort([[7, 1, 2]], []), 'volume 7: 1 of 2 replicas listed', 'no volume server restarted: nothing said of disks')
})
