import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {planCluster} from '../../src/plan/planner.js'
import type {Probe} from '../../src/plan/types.js'
import {defaultRaw, specFromRaw} from '../../src/spec/load.js'
import type {Clock} from '../../src/supervisor/clock.js'
import type {Launcher, ProcessHandle} from '../../src/supervisor/launcher.js'
import type {ExitInfo} from '../../src/supervisor/state.js'
import {Supervisor} from '../../src/supervisor/supervisor.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-leader-test-'))
after(() => rmSync(dir, {recursive: true, force: true}))

class FakeClock implements Clock {
  private t = 0
  private timers: Array<{at: number; fn: () => void; id: number}> = []
  private nextId = 0
  now = () => this.t
  after(ms: number, fn: () => void): () => void {
    const id = this.nextId++
    this.timers.push({at: this.t + ms, fn, id})
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id)
    }
  }

  /** Moves in 100 ms steps, so what a timer's callback starts asynchronously is seen by the next step. */
  async advance(ms: number): Promise<void> {
    for (let done = 0; done < ms; done += 100) await this.step(Math.min(100, ms - done))
  }

  private async step(ms: number): Promise<void> {
    for (let i = 0; i < 20; i++) await Promise.resolve()
    const end = this.t + ms
    while (true) {
      this.timers.sort((a, b) => a.at - b.at)
      const next = this.timers[0]
      if (!next || next.at > end) break
      this.timers.shift()
      this.t = next.at
      next.fn()
      for (let i = 0; i < 20; i++) await Promise.resolve()
    }
    this.t = end
  }
}

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
    await clock.advance(3000)
    assert.equal(supervisor.report(1).leader, '127.0.0.1:9333')

    handles.get('master-1')!.exit({signal: 'SIGKILL'})
    await clock.advance(2500) // the followers' next probes: they still name the dead master
    assert.equal(named, '127.0.0.1:9333')
    assert.equal(supervisor.report(1).leader, null, 'a dead master is never the leader')

    named = '127.0.0.1:9334' // the election is over
    await clock.advance(2500)
    assert.equal(supervisor.report(1).leader, '127.0.0.1:9334')
  })
})
