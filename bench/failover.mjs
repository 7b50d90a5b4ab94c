#!/usr/bin/env node
// Benchmark: leader failover, by the method of test/e2e/failover.test.ts. 3 masters, 4 volume servers (001), a
// writer posting through the filer every 50 ms; kill -9 of the leading master; the outage is the longest gap
// between two acknowledged writes from the kill until writes have been steady for 3 s. Each round measures it twice:
//   floor       the daemon frozen by SIGSTOP during the fault, so nothing restarts anything: weed's own failover
//   supervised  the same with the daemon running
// then waits until the killed master is back, a leader is elected and everything is RUNNING.
//   usage: node bench/failover.mjs [ROUNDS] [--json]   (default 2; port offset 4600; needs npm run build and weed)
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {alive, args, ctl, emit, fmtS, log, runBenchmark, sleep, status, waitFor, weed} from './lib.mjs'

const rounds = Number(args[0] || 2)
const OFFSET = 4600

/** Writes through the filer one after another and remembers when each was acknowledged. */
function startWriter(filer) {
  const acks = []
  let running = true
  const done = (async () => {
    for (let n = 1; running; n++) {
      try {
        const form = new FormData()
        form.append('file', new Blob([`write ${n}`]), 'f.txt')
        const res = await fetch(`${filer}/failover/${n}.txt`, {method: 'POST', body: form, signal: AbortSignal.timeout(5000)})
        await res.arrayBuffer()
        if (res.ok) acks.push(performance.now())
      } catch {
        // not acknowledged
      }
      await sleep(50)
    }
  })()
  return {
    /** The longest time without an acknowledged write, from the last one before `since` on. */
    outageAfter(since) {
      const before = acks.filter((t) => t <= since).at(-1) ?? since
      const later = acks.filter((t) => t > since)
      let longest = later[0] - before
      for (let i = 1; i < later.length; i++) longest = Math.max(longest, later[i] - later[i - 1])
      return longest
    },
    /** Resolves once writes after `since` have been acknowledged with no gap of 1 s for `ms`. */
    steadyAfter(since, ms = 3000) {
      return waitFor(`writes acknowledged steadily for ${ms} ms`, () => {
        const later = acks.filter((t) => t > since)
        if (later.length < 2) return undefined
        let start = later.length - 1
        while (start > 0 && later[start] - later[start - 1] < 1000) start--
        return later.at(-1) - later[start] >= ms && performance.now() - later.at(-1) < 1000
      }, 120_000)
    },
    async stop() {
      running = false
      await done
    },
  }
}

const allRunning = (dir, what) => waitFor(what, () => {
  const s = status(dir)
  return s.leader && s.processes.every((p) => p.state === 'RUNNING') ? s : undefined
}, 120_000, 200)

async function killLeader(dir, writer, frozenSupervisor) {
  const before = await allRunning(dir, 'all RUNNING before the fault')
  const leader = before.processes.find((p) => p.leader)
  if (frozenSupervisor) process.kill(before.daemon.pid, 'SIGSTOP')
  const at = performance.now()
  process.kill(leader.pid, 'SIGKILL')
  try {
    await writer.steadyAfter(at)
  } finally {
    if (frozenSupervisor) process.kill(before.daemon.pid, 'SIGCONT')
  }
  const outage = writer.outageAfter(at)
  await waitFor(`${leader.name} replaced, a leader, all RUNNING`, () => {
    const s = status(dir)
    const killed = s.processes.find((p) => p.name === leader.name)
    return killed.pid !== leader.pid && alive(killed.pid) && s.leader && s.processes.every((p) => p.state === 'RUNNING')
  }, 120_000, 200)
  return outage
}

await runBenchmark('failover', async (ws) => {
  const dir = ws.cluster(join(ws.root, 'cluster'))
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'seaweed.yaml'), [`portOffset: ${OFFSET}`, 'master:', '  count: 3', '  defaultReplication: "001"', 'volume:', '  count: 4',
    'supervise:', '  healthInterval: 1s', '  unhealthyThreshold: 3', ''].join('\n'))
  ctl(['up', '--timeout', '120s', '--weed', weed()], dir)
  const s = await allRunning(dir, 'all RUNNING after up')
  const writer = startWriter(s.endpoints.filer)
  const result = {floorMs: [], supervisedMs: []}
  try {
    await writer.steadyAfter(performance.now() - 1, 2000)
    for (let round = 1; round <= rounds; round++) {
      const floor = await killLeader(dir, writer, true)
      const supervised = await killLeader(dir, writer, false)
      result.floorMs.push(floor)
      result.supervisedMs.push(supervised)
      log(`round ${round}: kill -9 of the leader, write outage: supervisor frozen (weed's floor) ${fmtS(floor)}, supervised ${fmtS(supervised)} (${(supervised / floor).toFixed(2)}×)`)
    }
  } finally {
    await writer.stop()
  }
  emit(result)
})
