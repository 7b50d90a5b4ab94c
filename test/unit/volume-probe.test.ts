import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, describe, test} from 'node:test'

import {closeLoopbackConnections} from '../../src/lib/loopback-http.js'
import {runProbe} from '../../src/supervisor/probes.js'
import {runState} from '../../src/supervisor/proc.js'

/** A master and a volume server in one: /dir/status lists `listed`, /status answers and is counted. */
async function fakeCluster() {
  let statusAsked = 0
  let listed = true
  const s = createServer((req, res) => {
    if (req.url === '/status') statusAsked++
    const node = {Url: `127.0.0.1:${(s.address() as AddressInfo).port}`, Volumes: 3}
    res.end(req.url === '/dir/status' ? JSON.stringify({Topology: {DataCenters: [{Racks: [{DataNodes: listed ? [node] : []}]}]}}) : '{}')
  })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const origin = `127.0.0.1:${(s.address() as AddressInfo).port}`
  const probe = {kind: 'volumeListed' as const, statusUrl: `http://${origin}/status`, masterUrls: [`http://${origin}`], node: origin}
  return {probe, statusAsked: () => statusAsked, unlist: () => (listed = false), close: () => new Promise<void>((resolve) => s.close(() => resolve()))}
}

after(() => closeLoopbackConnections())

describe('a volume server’s quick liveness', () => {
  test('listed and running: the topology answers for it, its own /status is not asked', async () => {
    const c = await fakeCluster()
    try {
      const result = await runProbe(c.probe, 1000, {topologyMaxAgeMs: 0, quick: {pid: process.pid}})
      assert.deepEqual([result.ok, result.detail], [true, 'listed, 3 volumes'])
      assert.equal(c.statusAsked(), 0)
      await runProbe(c.probe, 1000, {topologyMaxAgeMs: 0})
      assert.equal(c.statusAsked(), 1, 'without quick, the full probe')
    } finally {
      await c.close()
    }
  })

  test('a stopped process (SIGSTOP), a gone one or one not listed: the full probe decides', async () => {
    const c = await fakeCluster()
    const sleeper = spawn('sleep', ['30'], {stdio: 'ignore'})
    try {
      sleeper.kill('SIGSTOP')
      for (let i = 0; i < 100 && runState(sleeper.pid!) !== 'T'; i++) await new Promise((r) => setTimeout(r, 10))
      assert.equal(runState(sleeper.pid!), 'T')
      await runProbe(c.probe, 1000, {topologyMaxAgeMs: 0, quick: {pid: sleeper.pid!}})
      assert.equal(c.statusAsked(), 1, 'stopped')
      await runProbe(c.probe, 1000, {topologyMaxAgeMs: 0, quick: {pid: 2 ** 22 + 1}})
      assert.equal(c.statusAsked(), 2, 'gone')
      c.unlist()
      const result = await runProbe(c.probe, 1000, {topologyMaxAgeMs: 0, quick: {pid: process.pid}})
      assert.equal(c.statusAsked(), 3, 'not listed')
      assert.deepEqual([result.ok, result.detail, result.blame], [false, 'not listed by the master', 'dependency'])
    } finally {
      sleeper.kill('SIGKILL')
      await c.close()
    }
  })
})
