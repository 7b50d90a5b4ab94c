import assert from 'node:assert/strict'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {diffPlans, refusalsOf} from '../../src/plan/diff.js'
import {planCluster} from '../../src/plan/planner.js'
import type {Plan} from '../../src/plan/types.js'
import {rollOrder} from '../../src/services/rolling.js'
import {defaultRaw, specFromRaw} from '../../src/clusterfile/load.js'

/** Never created: diffing is pure. */
const BASE = join(tmpdir(), `seaweedctl-diff-test-${process.pid}-does-not-exist`)

function planWith(over: Record<string, unknown> = {}): Plan {
  const raw = defaultRaw() as Record<string, any>
  for (const [key, value] of Object.entries(over)) {
    const [section, field] = key.split('.')
    if (field === undefined) raw[section] = value
    else raw[section][field] = value
  }
  return planCluster(specFromRaw(raw, BASE))
}

const changes = (running: Plan, next: Plan) => Object.fromEntries(diffPlans(running, next).processes.map((p) => [p.name, p.change]))

describe('diffPlans', () => {
  test('the same file: nothing differs', () => {
    const diff = diffPlans(planWith(), planWith())
    assert.equal(diff.same, true)
    assert.ok(diff.processes.every((p) => p.change === 'unchanged' && p.fields.length === 0))
    assert.deepEqual(diff.settings, [])
  })

  test('S3 on: s3-1 added, every other process unchanged', () => {
    const diff = diffPlans(planWith(), planWith({'s3.count': 1}))
    assert.equal(diff.same, false)
    assert.deepEqual(diff.processes.filter((p) => p.change !== 'unchanged').map((p) => [p.name, p.change]), [['s3-1', 'added']])
  })

  test('volume.count 4 → 2: volume-3 and volume-4 removed', () => {
    const c = changes(planWith(), planWith({'volume.count': 2}))
    assert.equal(c['volume-3'], 'removed')
    assert.equal(c['volume-4'], 'removed')
    assert.equal(c['volume-1'], 'unchanged')
    assert.equal(c['master-1'], 'unchanged')
  })

  test('volume.max: every volume server changed in -max, old → new; masters and filers unchanged', () => {
    const diff = diffPlans(planWith(), planWith({'volume.max': 7}))
    for (const p of diff.processes) {
      if (p.kind === 'volume') assert.deepEqual(p.fields, [{field: '-max', old: '0', new: '7'}])
      else assert.equal(p.change, 'unchanged', p.name)
    }
  })

  test('a port: the process changes in its flags, ports and probes; the processes that talk to it change too', () => {
    const diff = diffPlans(planWith(), planWith({'filer.port': 8890, 's3.count': 1}))
    const filer = diff.processes.find((p) => p.name === 'filer-1')!
    assert.equal(filer.change, 'changed')
    const fields = filer.fields.map((f) => f.field)
    for (const f of ['-port', '-port.grpc', 'ports.http', 'ports.grpc', 'readiness', 'liveness']) assert.ok(fields.includes(f), f)
    assert.deepEqual(filer.fields.find((f) => f.field === 'ports.http'), {field: 'ports.http', old: '8888', new: '8890'})
  })

  test('supervise and logs are settings (no process changes)', () => {
    const diff = diffPlans(planWith(), planWith({'logs.maxBytes': '1MB', 'supervise.unhealthyThreshold': 5}))
    assert.equal(diff.same, false)
    assert.ok(diff.processes.every((p) => p.change === 'unchanged'))
    assert.deepEqual(diff.settings, [
      {field: 'supervise.unhealthyThreshold', old: '3', new: '5'},
      {field: 'logs.maxBytes', old: '50000000', new: '1000000'},
    ])
  })

  test('a process on another weed version than the file is changed in "weed"', () => {
    const plan = planWith()
    const diff = diffPlans(plan, plan, {'volume-2': '4.30'})
    const v2 = diff.processes.find((p) => p.name === 'volume-2')!
    assert.deepEqual(v2.fields, [{field: 'weed', old: '4.30', new: '4.48'}])
    assert.equal(diff.processes.filter((p) => p.change === 'changed').length, 1)
  })

  test('weed.version 4.48 → 4.30: every process changed, with the flags 4.30 lacks', () => {
    const diff = diffPlans(planWith({'s3.count': 1}), planWith({'s3.count': 1, 'weed.version': '4.30'}))
    assert.ok(diff.processes.every((p) => p.change === 'changed'))
    const s3 = diff.processes.find((p) => p.name === 's3-1')!
    assert.deepEqual(s3.fields.find((f) => f.field === '-port.lance'), {field: '-port.lance', old: '0', new: undefined})
  })
})

describe('refusalsOf', () => {
  test('nothing to refuse for counts, ports, settings', () => {
    assert.deepEqual(refusalsOf(planWith(), planWith({'volume.count': 6, 'volume.max': 3, 'logs.backups': 2, 'filer.port': 8890})), [])
  })

  test('dataDir, bind and master count are refused, each with what to do instead', () => {
    const running = planWith()
    const moved = refusalsOf(running, planWith({dataDir: './elsewhere'}))
    assert.deepEqual(moved.map((r) => r.setting), ['dataDir'])
    assert.match(moved[0].instead, /seaweedctl down/)
    assert.deepEqual(refusalsOf(running, planWith({bind: '127.0.0.5'})).map((r) => [r.setting, r.old, r.new]), [['bind', '127.0.0.1', '127.0.0.5']])
    assert.deepEqual(refusalsOf(running, planWith({'master.count': 3})).map((r) => [r.setting, r.old, r.new]), [['master.count', '1', '3']])
  })
})

describe('rollOrder', () => {
  const step = (name: string) => {
    const [kind, index] = name.split('-')
    return {name, plan: {kind: kind as 'master', index: Number(index)}}
  }
  test('masters followers first and the leader last, then volume servers, filers, S3', () => {
    const steps = ['s3-1', 'filer-1', 'volume-2', 'master-2', 'volume-1', 'master-1', 'master-3'].map(step)
    assert.deepEqual(rollOrder(steps, 'master-1').map((s) => s.name), ['master-2', 'master-3', 'master-1', 'volume-1', 'volume-2', 'filer-1', 's3-1'])
    assert.deepEqual(rollOrder(steps, 'master-3').map((s) => s.name).slice(0, 3), ['master-1', 'master-2', 'master-3'])
  })
})
