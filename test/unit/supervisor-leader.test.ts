import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {planCluster} from '../../src/plan/planner.js'
import type {Probe} from '../../src/plan/types.js'
import {defaultRaw, specFromRaw} from '../../src/clusterfile/load.js'
import type {Launcher, ProcessHandle} from '../../src/supervisor/launcher.js'
import type {ExitInfo} from '../../src/supervisor/state.js'
import {Supervisor} from '../../src/supervisor/supervisor.js'
import {FakeClock} from '../helpers/fake-clock.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-leader-test-'))
after(() => rmSync(dir, {recursive: true, force: true}))

class FakeHandle implements ProcessHandle {
  private listeners: Array<(e: ExitInfo) => void> = []
  constructor(readonly pid: number) {}
  get identity() {
    return {pid: this.pid, startTime: 1, cmdline: ['weed']}
  }

  onExit(l: (e: ExitInfo) => void): void {
    this.listeners.push(l)
  }

  signal(s: NodeJS.Signals): void {
    if (s === 'SIGTERM' || s === 'SIGKILL') this.exit({signal: s})
  }

  exit(e: ExitInfo): void {
    for (const l of this.listeners.splice(0)) l(e)
  }
}

describe('the leader status reports', () => {
  test('after the leader dies its followers still name it: status names no leader until they agree on a live one', async () => {
    const raw = defaultRaw() as Record<string, any>
    raw.master.count = 3
    raw.volume.count = 1
    const plan = planCluster(specFromRaw(raw, dir))
    const handles = new Map<string, FakeHandle>()
    let next = 100
    const launcher: Launcher = {
      launch: (p) => {
        const h = new FakeHandle(next++)
        handles.set(p.name, h)
        return h
      },
      adopt: () => {
        throw new Error('not used')
      },
    }
    // What every live master says when asked who leads.
    let named = '127.0.0.1:9333'
    const probe = async (p: Probe) => (p.kind === 'masterLeader' ? {ok: true, detail: `leader ${named}`, leader: named} : {ok: true, detail: 'ok'})
    const clock = new FakeClock()
    const supervisor = new Supervisor(plan, {launcher, probe, clock, weedPath: '/bin/weed'})
    void supervisor.startAll()
    await clock.advanceInSteps(3000)
    assert.equal(supervisor.report(1).leader, '127.0.0.1:9333')

    handles.get('master-1')!.exit({signal: 'SIGKILL'})
    await clock.advanceInSteps(2500) // the followers' next probes: they still name the dead master
    assert.equal(named, '127.0.0.1:9333')
    assert.equal(supervisor.report(1).leader, null, 'a dead master is never the leader')

    named = '127.0.0.1:9334' // the election is over
    await clock.advanceInSteps(2500)
    assert.equal(supervisor.report(1).leader, '127.0.0.1:9334')
  })
})
