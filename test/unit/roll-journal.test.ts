import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {alreadyRestarted, restartSteps} from '../../src/services/journalled.js'
import {describeJournal, failed, interrupted, type Journal, journalState, newJournal, withStep} from '../../src/services/journal.js'
import {runningFrom} from '../../src/services/upgrade.js'

const T = new Date('2026-01-02T03:04:05Z')
const me = {pid: 4242, startTime: 99}
const volumes = ['volume-1', 'volume-2', 'volume-3', 'volume-4']

/** A roll of 4 volume servers: the first `done` restarted, the next one under way (its pid before: 500). */
function rolled(op: Journal['op'], command: string, done: number, upgrade?: Journal['upgrade']): Journal {
  let j = newJournal(op, command, me, restartSteps(volumes), T, undefined, upgrade)
  for (let i = 0; i < done; i++) j = withStep(withStep(j, i, {state: 'active', pid: 100 + i}, T), i, {state: 'done'}, T)
  return done < 4 ? withStep(j, done, {state: 'active', pid: 500}, T) : j
}

describe('journal of a roll: restart --rolling, weed upgrade, applying an edited file', () => {
  test('restart --rolling: how many of how many, which one was under way, and the command that finishes it', () => {
    const j = rolled('restart', 'restart --rolling volume', 2)
    assert.equal(describeJournal(interrupted(j, 'SIGINT', T), 'interrupted'),
      'interrupted by SIGINT at 2026-01-02T03:04:05.000Z: `seaweedctl restart --rolling volume`: 2 of 4 restarted (volume-1, volume-2); volume-3 restarting; not yet: volume-4; run `seaweedctl restart --rolling volume` to finish (or `seaweedctl up` to leave the rest as they are)')
    assert.match(describeJournal(j, 'killed'), /^interrupted: its command \(pid 4242\) ended without finishing: `seaweedctl restart --rolling volume`: 2 of 4 restarted/)
    assert.equal(describeJournal(j, 'running'), 'in progress: `seaweedctl restart --rolling volume` (pid 4242): 2 of 4 restarted (volume-1, volume-2); volume-3 restarting; not yet: volume-4')
  })

  test('a step recorded but never asked for (the command died in between): "not yet" while its process runs on the pid it had', () => {
    const j = rolled('restart', 'restart --rolling volume', 1)
    const on = (pid: number | null, state = 'RUNNING') => [{name: 'volume-2', state, pid}]
    assert.match(describeJournal(j, 'killed', on(500)), /: 1 of 4 restarted \(volume-1\); not yet: volume-2, volume-3, volume-4; run /)
    assert.match(describeJournal(j, 'killed', on(500, 'STOPPING')), /: 1 of 4 restarted \(volume-1\); volume-2 restarting; not yet: volume-3, volume-4; run /, 'asked: its old process stops')
    assert.match(describeJournal(j, 'killed', on(777)), /volume-2 restarting; not yet: volume-3, volume-4/, 'on a new pid: the supervisor did it')
    assert.match(describeJournal(j, 'running', on(500)), /volume-2 restarting/, 'a command still running may be about to ask')
    assert.match(describeJournal(j, 'killed'), /volume-2 restarting/, 'without a report nothing is assumed')
  })

  test('weed upgrade: which processes run which version, how to finish and how to go back', () => {
    const j = interrupted(rolled('upgrade', 'weed upgrade 4.48', 1, {from: '4.30', to: '4.48'}), 'SIGTERM', T)
    assert.equal(describeJournal(j, 'interrupted'),
      'interrupted by SIGTERM at 2026-01-02T03:04:05.000Z: `seaweedctl weed upgrade 4.48`: volume-1 runs weed 4.48; volume-2 restarting onto weed 4.48; volume-3, volume-4 still run weed 4.30; run `seaweedctl weed upgrade 4.48` or `seaweedctl up` to finish, or `seaweedctl weed upgrade 4.30` to go back')
    assert.match(describeJournal(rolled('upgrade', 'weed upgrade 4.48', 0, {from: '4.30', to: '4.48'}), 'killed'), /: none runs weed 4\.48 yet; volume-1 restarting/)
  })

  test('applying the file: restarts on the new plan; `up` finishes; removals keep the drain wording', () => {
    assert.match(describeJournal(interrupted(rolled('apply', 'up', 4), 'SIGINT', T), 'interrupted'), /`seaweedctl up`: 4 of 4 restarted on the new plan \(volume-1, volume-2, volume-3, volume-4\); run `seaweedctl up` to finish$/)
    let j = newJournal('apply', 'up', me, [{action: 'drain', process: 'volume-4', node: '127.0.0.5:8083', state: 'pending'}, {action: 'stop', process: 'volume-4', state: 'pending'}, ...restartSteps(['volume-1'])], T)
    j = withStep(j, 0, {state: 'active', volumes: {total: 5, left: 2}}, T)
    assert.match(describeJournal(j, 'killed'), /`seaweedctl up`: volume-4 drained 3 of 5 volumes \(3 steps left\); volume-4 still in maintenance mode; run `seaweedctl up` to finish$/)
  })

  test('the daemon died under it: the journal says so and counts as interrupted, not killed', () => {
    const j = failed(rolled('restart', 'restart --rolling volume', 1), 'the supervisor daemon died', T)
    assert.equal(journalState(j, () => false), 'interrupted')
    assert.match(describeJournal(j, 'interrupted'), /^interrupted: the supervisor daemon died at 2026-01-02T03:04:05.000Z: `seaweedctl restart --rolling volume`: 1 of 4/)
  })

  test('resuming a rolling restart: done steps, and the one under way once its process runs on another pid', () => {
    const j = rolled('restart', 'restart --rolling volume', 2)
    const report = (pid: number | null, state = 'RUNNING') => ({processes: [{name: 'volume-3', state, pid}]}) as Parameters<typeof alreadyRestarted>[2]
    assert.deepEqual(alreadyRestarted(j, 'restart --rolling volume', report(500)), ['volume-1', 'volume-2'], 'same pid: not restarted yet')
    assert.deepEqual(alreadyRestarted(j, 'restart --rolling volume', report(777)), ['volume-1', 'volume-2', 'volume-3'])
    assert.deepEqual(alreadyRestarted(j, 'restart --rolling volume', report(777, 'STARTING')), ['volume-1', 'volume-2'])
    assert.deepEqual(alreadyRestarted(j, 'restart --rolling all', report(777)), [], 'other targets: a new roll')
    assert.deepEqual(alreadyRestarted(undefined, 'restart --rolling volume', report(777)), [])
    assert.deepEqual(restartSteps(['volume-3', 'volume-4'], ['volume-1']).map((s) => `${s.process}:${s.state}`), ['volume-1:done', 'volume-3:pending', 'volume-4:pending'])
  })

  test('going back after an interrupted upgrade: "from" is what most processes run', () => {
    assert.equal(runningFrom(['4.48', '4.30', '4.30', '4.30'], '4.48'), '4.30')
    assert.equal(runningFrom(['4.48', '4.48', '4.30'], '4.30'), '4.48')
    assert.equal(runningFrom(['4.48', '4.48'], '4.48'), undefined)
  })
})
