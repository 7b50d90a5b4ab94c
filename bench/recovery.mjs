#!/usr/bin/env node
// Benchmark: how long a volume server is out after kill -9 and after SIGSTOP, on 1 master, 2 × ROUNDS volume servers
// (at least 4; each round's victims are fresh, so no restart history and its growing delay carries over) and 1 filer,
// supervised with healthInterval 1 s and unhealthyThreshold 3 (the method of test/e2e/supervision.test.ts):
// from the signal until seaweedctl reports it RUNNING under a new pid and the master lists it again.
//   kill -9:  the exit is seen at once; the floor is weed's own start, so each round also starts a plain volume
//             server (own address, port and directory) against the same master and times it until listed.
//   SIGSTOP:  a stopped process still holds its sockets, and the master keeps listing it (seaweedfs-ops.md §12): only
//             the liveness probe sees it, so the figure is bounded below by 3 failed probes 1 s apart plus the restart.
//   usage: node bench/recovery.mjs [ROUNDS] [--json]   (default 3; port offset 4500; needs npm run build and weed)
import {spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {args, emit, fmtS, log, runBenchmark, signalAndWait, status, waitFor, weed, ctl} from './lib.mjs'

const rounds = Number(args[0] || 3)
const volumes = Math.max(4, 2 * rounds)
const OFFSET = 4500
const MASTER = `http://127.0.0.1:${9333 + OFFSET}`
const POLICY = {healthInterval: '1s', unhealthyThreshold: 3}

async function listedNodes() {
  const res = await fetch(`${MASTER}/dir/status`, {signal: AbortSignal.timeout(2000)})
  const body = await res.json()
  return (body.Topology?.DataCenters ?? []).flatMap((dc) => (dc.Racks ?? []).flatMap((r) => (r.DataNodes ?? []).map((n) => n.Url)))
}

/** From `signal` to `name` RUNNING under a new pid and listed by the master. */
async function outage(dir, name, signal) {
  const victim = status(dir).processes.find((p) => p.name === name)
  const t0 = performance.now()
  process.kill(victim.pid, signal)
  await waitFor(`${name} RUNNING again and listed`, async () => {
    const p = status(dir).processes.find((q) => q.name === name)
    return p.state === 'RUNNING' && p.pid !== victim.pid && (await listedNodes()).includes(p.address)
  }, 120_000)
  return performance.now() - t0
}

/** weed's own start of one volume server against the running master, until it is listed; then it is killed. */
async function plainVolumeStart(root, round) {
  const ip = '127.0.0.40'
  const port = 8080 + OFFSET + 40
  const dir = join(root, `plain-${round}`)
  mkdirSync(dir, {recursive: true})
  const t0 = performance.now()
  const child = spawn(weed(), ['-logtostderr=true', 'volume', `-ip=${ip}`, `-ip.bind=${ip}`, `-port=${port}`, `-dir=${dir}`, '-max=0', `-master=127.0.0.1:${9333 + OFFSET}`, '-preStopSeconds=1'],
    {cwd: dir, stdio: 'ignore', env: {PATH: '/usr/bin:/bin', HOME: dir}})
  try {
    await waitFor('the plain volume server listed', async () => (await listedNodes()).includes(`${ip}:${port}`), 60_000)
    return performance.now() - t0
  } finally {
    await signalAndWait(child.pid, 'SIGKILL')
    await waitFor('the plain volume server unlisted', async () => !(await listedNodes()).includes(`${ip}:${port}`), 60_000)
  }
}

await runBenchmark('recovery', async (ws) => {
  const dir = ws.cluster(join(ws.root, 'cluster'))
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${OFFSET}\nvolume:\n  count: ${volumes}\nsupervise:\n  healthInterval: ${POLICY.healthInterval}\n  unhealthyThreshold: ${POLICY.unhealthyThreshold}\n`)
  ctl(['up', '--weed', weed()], dir)
  const result = {policy: POLICY, plainStartMs: [], kill9Ms: [], sigstopMs: []}
  for (let round = 1; round <= rounds; round++) {
    const plain = await plainVolumeStart(ws.root, round)
    const kill9 = await outage(dir, `volume-${2 * round - 1}`, 'SIGKILL')
    const sigstop = await outage(dir, `volume-${2 * round}`, 'SIGSTOP')
    result.plainStartMs.push(plain)
    result.kill9Ms.push(kill9)
    result.sigstopMs.push(sigstop)
    log(`round ${round}: plain volume server start to listed ${fmtS(plain)}; kill -9 → RUNNING and listed ${fmtS(kill9)} (${(kill9 / plain).toFixed(2)}×); SIGSTOP → restarted, RUNNING and listed ${fmtS(sigstop)}`)
  }
  emit(result)
})
