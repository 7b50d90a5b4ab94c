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
  test('34 processes that became RUNNING at scattered times: 1 wake-up per 2 s interval, each process once', () => {
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
    assert.equal(clock.fired - firedBefore, 10, '1 wave × 10 intervals')
    for (let i = 0; i < 34; i++) {
      const times = probes.get(i)!
      assert.equal(times.length, 10, `process ${i} is probed once per interval`)
      for (const t of times) assert.equal(t % 2000, 0, `process ${i} keeps its wave`)
    }
  })

  test('a 10 s interval holds 5 waves, 2 s apart, each process in its own', () => {
    const clock = new FakeClock()
    const waves = new ProbeWaves(clock, () => 10_000)
    const seen = new Map<number, number>()
    const loop = (index: number, from: number) =>
      waves.schedule(index, 34, from, () => {
        seen.set(index, clock.now() % 10_000)
        loop(index, clock.now())
      })
    for (let i = 0; i < 34; i++) loop(i, clock.now())
    clock.advance(30_000)
    const firedBefore = clock.fired
    clock.advance(30_000)
    assert.equal(clock.fired - firedBefore, 15, '5 waves × 3 intervals')
    for (let i = 0; i < 34; i++) assert.equal(seen.get(i), (i % 5) * 2000)
  })

  test('housekeeping (every) rides on the probe waves: no wake-up of its own; alone it keeps the 2 s grid; stop ends it', () => {
    const clock = new FakeClock()
    const waves = new ProbeWaves(clock, () => 2000)
    const loop = (index: number, from: number) => waves.schedule(index, 34, from, () => loop(index, clock.now()))
    for (let i = 0; i < 34; i++) loop(i, clock.now())
    const ran: number[] = []
    const stop = waves.every(() => ran.push(clock.now()))
    clock.advance(10_000)
    const firedBefore = clock.fired
    ran.length = 0
    clock.advance(20_000)
    assert.equal(clock.fired - firedBefore, 10, 'the probes\' 10 wake-ups, none more')
    assert.equal(ran.length, 10)
    for (const t of ran) assert.equal(t % 2000, 0)
    stop()
    clock.advance(10_000)
    assert.equal(ran.length, 10)

    const quiet = new FakeClock()
    const times: number[] = []
    new ProbeWaves(quiet, () => 1000).every(() => times.push(quiet.now()))
    quiet.advance(5000)
    assert.deepEqual(times, [1000, 2000, 3000, 4000, 5000])
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

  test('about one wave per 2 s of the interval; fewer processes than waves: one wave each', () => {
    assert.equal(ProbeWaves.waves(2000, 34), 1)
    assert.equal(ProbeWaves.waves(1000, 34), 1)
    assert.equal(ProbeWaves.waves(100, 34), 1)
    assert.equal(ProbeWaves.waves(10_000, 34), 5)
    assert.equal(ProbeWaves.waves(10_000, 3), 3)
  })
})
