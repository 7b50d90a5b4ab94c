import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {waitForWarmup} from '../../src/services/canary.js'
import {FakeClock} from '../helpers/fake-clock.js'

/** A leader that warms up until `until` (fake ms): 503 on its lookup until then, 404 after; followers 404. */
function masters(clock: FakeClock, until: number, leader = 'http://m1') {
  const asked: Array<{url: string; at: number}> = []
  const lookup = async (url: string) => {
    asked.push({url, at: clock.now()})
    return url.startsWith(leader) && clock.now() < until ? 503 : 404
  }
  return {asked, lookup}
}

/** Runs `waitForWarmup` to its end on the fake clock. */
async function run(clock: FakeClock, promise: Promise<number>): Promise<number> {
  let done: number | undefined
  void promise.then((ms) => (done = ms))
  for (let i = 0; i < 1000 && done === undefined; i++) await clock.advanceInSteps(100)
  assert.notEqual(done, undefined, 'waitForWarmup never returned')
  return done!
}

describe('the canary waits out weed\'s master warm-up before writing', () => {
  test('writes go out within one poll (250 ms) of the warm-up\'s end, not at the filer\'s next back-off', async () => {
    const clock = new FakeClock()
    const m = masters(clock, 15_000)
    const waited = await run(clock, waitForWarmup(['http://m1'], 60_000, {lookup: m.lookup, clock}))
    assert.ok(waited >= 15_000 && waited <= 15_250, `waited ${waited} ms`)
    assert.ok(m.asked.every((a) => a.url === 'http://m1/dir/lookup?volumeId=4294967295'), 'only a read-only lookup of a volume no cluster has')
    assert.equal(m.asked.length, 61, "every 250 ms from 0 to 15 s")
  })

  test('no warm-up: no wait, one lookup per master', async () => {
    const clock = new FakeClock()
    const m = masters(clock, 0)
    // Each lookup takes 30 ms: that is not a wait for the warm-up.
    const slow = async (url: string) => {
      await clock.advance(30)
      return m.lookup(url)
    }
    const waited = await run(clock, waitForWarmup(['http://m1', 'http://m2', 'http://m3'], 60_000, {lookup: slow, clock}))
    assert.equal(waited, 0)
    assert.equal(m.asked.length, 3)
  })

  test('with three masters, the one that leads (wherever it is) holds the writes', async () => {
    const clock = new FakeClock()
    const m = masters(clock, 5000, 'http://m3')
    const waited = await run(clock, waitForWarmup(['http://m1', 'http://m2', 'http://m3'], 60_000, {lookup: m.lookup, clock}))
    assert.ok(waited >= 5000 && waited <= 5250, `waited ${waited} ms`)
  })

  test('never past the deadline; a master that does not answer does not hold the writes', async () => {
    const clock = new FakeClock()
    const m = masters(clock, 15_000)
    const waited = await run(clock, waitForWarmup(['http://m1'], 3000, {lookup: m.lookup, clock}))
    assert.ok(waited <= 3000 && waited >= 2750, `waited ${waited} ms`)

    const down = await run(clock, waitForWarmup(['http://m1'], clock.now() + 60_000, {lookup: () => Promise.reject(new Error('ECONNREFUSED')), clock}))
    assert.equal(down, 0)
  })
})
