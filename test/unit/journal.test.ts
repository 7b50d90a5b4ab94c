import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {
  clearJournal, describeJournal, interrupted, type Journal, journalState, maintenanceNodes, newJournal, operationStatus, readJournal,
  stoppedBy, withShell, withShells, withStep, writeJournal,
} from '../../src/services/journal.js'

const T = new Date('2026-01-02T03:04:05Z')
const me = {pid: 4242, startTime: 99}

function scaleDown(): Journal {
  return newJournal('scale', 'scale volume 2', me, [
    {action: 'drain', process: 'volume-4', node: '127.0.0.5:8083', state: 'pending'},
    {action: 'stop', process: 'volume-4', state: 'pending'},
    {action: 'drain', process: 'volume-3', node: '127.0.0.4:8082', state: 'pending'},
    {action: 'stop', process: 'volume-3', state: 'pending'},
  ], T, {kind: 'volume', from: 4, to: 2})
}

describe('journal of a multi-step operation', () => {
  test('steps advance in order only; the journal records when', () => {
    let j = scaleDown()
    assert.throws(() => withStep(j, 2, {state: 'active'}, T), /before the steps ahead of it/)
    assert.throws(() => withStep(j, 9, {state: 'active'}, T), /no step 9/)
    j = withStep(j, 0, {state: 'active', volumes: {total: 7, left: 7}}, new Date('2026-01-02T03:05:00Z'))
    assert.equal(j.updatedAt, '2026-01-02T03:05:00.000Z')
    assert.equal(j.startedAt, T.toISOString())
    assert.equal(scaleDown().steps[0].state, 'pending', 'the original is not changed')
  })

  test('running while its command lives, interrupted after a clean signal, killed otherwise', () => {
    const j = scaleDown()
    assert.equal(journalState(j, (pid, start) => pid === 4242 && start === 99), 'running')
    assert.equal(journalState(j, (pid, start) => pid === 4242 && start === 100), 'killed', 'a recycled pid is not the command')
    assert.equal(journalState(interrupted(j, 'SIGINT', T), () => false), 'interrupted')
  })

  test('maintenance mode: possible on a drain begun and not followed by its stop; none after a clean interruption unless reported', () => {
    let j = scaleDown()
    assert.deepEqual(maintenanceNodes(j), [])
    j = withStep(j, 0, {state: 'active'}, T)
    assert.deepEqual(maintenanceNodes(j), [{process: 'volume-4', node: '127.0.0.5:8083'}])
    j = withStep(j, 0, {state: 'done'}, T)
    assert.deepEqual(maintenanceNodes(j), [{process: 'volume-4', node: '127.0.0.5:8083'}], 'drained, not yet stopped')
    j = withStep(withStep(j, 1, {state: 'active'}, T), 1, {state: 'done'}, T)
    assert.deepEqual(maintenanceNodes(j), [])
    assert.deepEqual(stoppedBy(j), ['volume-4'])
    j = withStep(j, 2, {state: 'active'}, T)
    assert.deepEqual(maintenanceNodes(interrupted(j, 'SIGINT', T)), [])
    assert.deepEqual(maintenanceNodes(interrupted(j, 'SIGINT', T, [{process: 'volume-3', node: '127.0.0.4:8082'}])), [{process: 'volume-3', node: '127.0.0.4:8082'}])
  })

  test('the weed shell of a drain is recorded and forgotten; an interruption forgets it too', () => {
    let j = withShell(scaleDown(), {pid: 77, startTime: 5}, T)
    assert.deepEqual(j.shell, {pid: 77, startTime: 5})
    assert.equal(interrupted(j, 'SIGTERM', T).shell, undefined)
    j = withShell(j, undefined, T)
    assert.equal('shell' in j, false)
  })

  test('a concurrent scale-down: its drains run together, then its stops; both in maintenance until stopped', () => {
    let j = newJournal('scale', 'scale volume 2', me, [
      {action: 'drain', process: 'volume-4', node: '127.0.0.5:8083', state: 'pending'},
      {action: 'drain', process: 'volume-3', node: '127.0.0.4:8082', state: 'pending'},
      {action: 'stop', process: 'volume-4', state: 'pending'},
      {action: 'stop', process: 'volume-3', state: 'pending'},
    ], T, {kind: 'volume', from: 4, to: 2})
    j = withStep(withStep(j, 0, {state: 'active'}, T), 1, {state: 'active', volumes: {total: 4, left: 3}}, T)
    assert.throws(() => withStep(j, 2, {state: 'active'}, T), /before the steps ahead of it/, 'no stop while a drain runs')
    assert.deepEqual(maintenanceNodes(j), [{process: 'volume-4', node: '127.0.0.5:8083'}, {process: 'volume-3', node: '127.0.0.4:8082'}])
    assert.match(describeJournal(j, 'killed'), /volume-4 drained \? of \? volumes; volume-3 drained 1 of 4 volumes .*volume-4, volume-3 still in maintenance mode/)
    j = withStep(withStep(j, 0, {state: 'done'}, T), 1, {state: 'done'}, T)
    j = withStep(withStep(j, 3, {state: 'active'}, T), 2, {state: 'active'}, T)
    j = withStep(j, 3, {state: 'done'}, T)
    assert.deepEqual(maintenanceNodes(j), [{process: 'volume-4', node: '127.0.0.5:8083'}])
    assert.deepEqual(stoppedBy(j), ['volume-3'])
  })

  test('the weed shells of a concurrent drain are recorded together and forgotten with an interruption', () => {
    let j = withShells(scaleDown(), [{pid: 7, startTime: 1}, {pid: 8, startTime: 2}], T)
    assert.deepEqual(j.shells, [{pid: 7, startTime: 1}, {pid: 8, startTime: 2}])
    assert.equal(interrupted(j, 'SIGINT', T).shells, undefined)
    j = withShells(j, [], T)
    assert.equal('shells' in j, false)
  })

  test('status line: what was done, what is left, how to finish or undo', () => {
    let j = scaleDown()
    j = withStep(j, 0, {state: 'done', volumes: {total: 3, left: 0}}, T)
    j = withStep(j, 1, {state: 'done'}, T)
    j = withStep(j, 2, {state: 'active', volumes: {total: 7, left: 3}}, T)
    assert.equal(describeJournal(interrupted(j, 'SIGINT', T), 'interrupted'),
      'interrupted by SIGINT at 2026-01-02T03:04:05.000Z: `seaweedctl scale volume 2`: volume-4 removed; volume-3 drained 4 of 7 volumes (2 steps left); run `seaweedctl up` to finish or `seaweedctl scale volume 4` to undo')
    assert.equal(describeJournal(j, 'killed'),
      'interrupted: its command (pid 4242) ended without finishing: `seaweedctl scale volume 2`: volume-4 removed; volume-3 drained 4 of 7 volumes (2 steps left); volume-3 still in maintenance mode; run `seaweedctl up` to finish or `seaweedctl scale volume 4` to undo')
    assert.equal(describeJournal(j, 'running'), 'in progress: `seaweedctl scale volume 2` (pid 4242): volume-4 removed; volume-3 drained 4 of 7 volumes')
    const drainedOnly = withStep(scaleDown(), 0, {state: 'done', volumes: {total: 3, left: 0}}, T)
    assert.match(describeJournal(drainedOnly, 'killed'), /volume-4 drained \(3 volumes moved\), not stopped .*; volume-4 still in maintenance mode/)
    assert.match(describeJournal(scaleDown(), 'killed'), /nothing done yet \(4 steps left\)/)
  })

  test('on disk: written whole, read back, cleared; status reads it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'))
    try {
      assert.equal(readJournal(dir), undefined)
      assert.equal(operationStatus(dir, () => false), undefined)
      const j = withStep(scaleDown(), 0, {state: 'active', volumes: {total: 2, left: 1}}, T)
      writeJournal(dir, j)
      assert.deepEqual(readJournal(dir), j)
      const op = operationStatus(dir, () => false)!
      assert.equal(op.state, 'killed')
      assert.deepEqual(op.maintenance, ['volume-4'])
      assert.match(op.message, /volume-4 drained 1 of 2 volumes/)
      clearJournal(dir)
      assert.equal(readJournal(dir), undefined)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
