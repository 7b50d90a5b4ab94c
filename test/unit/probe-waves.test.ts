import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {Clock} from '../../src/supervisor/clock.js'
import {ProbeWaves} from '../../src/supervisor/probe-waves.js'

/** Time that moves only when the test says so; counts the timers that fire. */
class FakeClock implements Clock {
  t = 0
  fired = 0
  private timers: Array<{at: number; fn: () => void}> = []
  now = () => this.t
  after(ms: number, fn: () => void): () => void {
    const timer = {at: this.t + ms, fn}
    this.timers.push(timer)
    return () => {
      this.timers = this.timers.filter((x) => x !== timer)
    }
  }

  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at)
      const next = this.timers[0]
      if (!next || next.at > end) break
      this.timers.shift()
      this.t = next.at
      this.fired++
      next.fn()
    }
    this.t = end
  }
}

describe('liveness probes go out in waves', () => {
  test('34 processes that became RUNNING at scattered times: 4 wake-ups per 2 s interval, each process once', () => {
    const clock = new FakeClock()
    const waves = new ProbeWaves(clock, () => 2000)
    const probes = new Map<number, number[]>()
    const loop = (index: number, from: number) =>
      waves.schedule(index, 34, from, () => {
        probes.set(index, [...(probes.get(index) ?? []), clock.now()])
        loop(index, clock.now())
      })
    for (let i = 0; i < 34; i++) {
      clock.advance(37) // they become ready one after another
      loop(i, clock.now())
    }
    clock.advance(10_000 - clock.now())
    const firedBefore = clock.fired
    probes.clear()
    clock.advance(20_000)
    assert.equal(clock.fired - firedBefore, 40, '4 waves × 10 intervals')
    for (let i = 0; i < 34; i++) {
      const times = probes.get(i)!
      assert.equal(times.length, 10, `process ${i} is probed once per interval`)
      for (const t of times) assert.equal(t % 2000, (i % 4) * 500, `process ${i} keeps its wave`)
    }
  })

  test('the first probe comes at least half an interval after the start; a cancelled one never fires', () => {
    const clock = new FakeClock()
    const waves = new ProbeWaves(clock, () => 2000)
    clock.advance(1900)
    let at: number | undefined
    waves.schedule(0, 4, clock.now(), () => (at = clock.now()))
    let cancelledRan = false
    const cancel = waves.schedule(1, 4, clock.now(), () => (cancelledRan = true))
    cancel()
    clock.advance(5000)
    assert.equal(at, 4000, 'wave 0 at 2000 is too soon after 1900; the next one at 4000')
    assert.equal(cancelledRan, false)
  })

  test('fewer processes than waves: one wave each; a 1 s interval holds 2 waves', () => {
    assert.equal(ProbeWaves.waves(2000, 3), 3)
    assert.equal(ProbeWaves.waves(2000, 34), 4)
    assert.equal(ProbeWaves.waves(1000, 34), 2)
    assert.equal(ProbeWaves.waves(100, 34), 1)
  })
})
