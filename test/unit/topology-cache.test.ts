import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {Topology} from '../../src/supervisor/master-topology.js'
import {TopologyCache} from '../../src/supervisor/topology-cache.js'

function fakeMaster() {
  const calls: string[] = []
  let answer: Topology | undefined = new Map([['127.0.0.2:8080', {volumes: 1, ecShards: 0, max: 8}]])
  let release: (() => void) | undefined
  let hold = false
  const read = (urls: string[]) => {
    calls.push(urls.join(','))
    const value = answer
    if (!hold) return Promise.resolve(value)
    return new Promise<Topology | undefined>((resolve) => {
      release = () => resolve(value)
    })
  }
  return {calls, read, set: (t: Topology | undefined) => (answer = t), hold: (h: boolean) => (hold = h), release: () => release?.()}
}

describe('one topology read serves every volume server', () => {
  test('32 liveness probes in one interval make one read; the next interval reads again', async () => {
    const master = fakeMaster()
    let now = 0
    const cache = new TopologyCache(master.read, () => now)
    for (let i = 0; i < 32; i++) {
      now = i * 50
      assert.ok((await cache.get(['http://m:9333'], 1000, 1750))?.has('127.0.0.2:8080'))
    }
    assert.equal(master.calls.length, 1)
    now = 2000
    await cache.get(['http://m:9333'], 1000, 1750)
    assert.equal(master.calls.length, 2)
  })

  test('the dashboard (leader first) and the probes (plan order) share one read of the same masters', async () => {
    const master = fakeMaster()
    let now = 0
    const cache = new TopologyCache(master.read, () => now)
    await cache.get(['http://m1:9333', 'http://m2:9333', 'http://m3:9333'], 1000, 1900)
    now = 800
    await cache.get(['http://m2:9333', 'http://m1:9333', 'http://m3:9333'], 1000, 2000)
    assert.equal(master.calls.length, 1)
  })

  test('readiness (max age 0) shares a read in flight but never reuses a finished one', async () => {
    const master = fakeMaster()
    let now = 0
    const cache = new TopologyCache(master.read, () => now)
    master.hold(true)
    const a = cache.get(['http://m:9333'], 1000, 0)
    const b = cache.get(['http://m:9333'], 1000, 0)
    master.release()
    assert.equal(await a, await b)
    assert.equal(master.calls.length, 1)
    master.hold(false)
    now = 1
    await cache.get(['http://m:9333'], 1000, 0)
    assert.equal(master.calls.length, 2)
  })

  test('a failed read is not reused, and other masters are read on their own', async () => {
    const master = fakeMaster()
    const cache = new TopologyCache(master.read, () => 0)
    master.set(undefined)
    assert.equal(await cache.get(['http://m:9333'], 1000, 10_000), undefined)
    master.set(new Map())
    assert.ok(await cache.get(['http://m:9333'], 1000, 10_000))
    await cache.get(['http://other:9333'], 1000, 10_000)
    assert.deepEqual(master.calls, ['http://m:9333', 'http://m:9333', 'http://other:9333'])
  })
})
