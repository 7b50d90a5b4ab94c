#!/usr/bin/env node
// Benchmark: `seaweedctl down` of 1 master, VOLUMES volume servers and 1 filer (34 processes with 32), against
// the slowest single process's own graceful stop: a plain weed master, volume server and filer (started by
// bench/baseline-cluster.sh with one volume server), each sent SIGTERM on its own and timed to its exit. The
// filer is the slowest: its gRPC graceful stop waits out weed's 15 s timeout (seaweedfs-ops.md §13.1) once its
// self-subscription is open, a few seconds after start, so both clusters first run for SETTLE seconds.
// Target (#16): down ≤ 1.2× max(master, volume, filer stop), round by round.
//   usage: node bench/down.mjs [ROUNDS] [VOLUMES] [--json]   (default 2 rounds, 32 volume servers; port offsets
//          5500 (seaweedctl) and 5600 (plain); needs npm run build and weed)
import {execFileSync} from 'node:child_process'
import {mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {args, ctl, emit, fmtS, log, ROOT, runBenchmark, signalAndWait, sleep, weed} from './lib.mjs'

const rounds = Number(args[0] || 2)
const volumes = Number(args[1] || 32)
const SETTLE_MS = 10_000

/** SIGTERM-to-exit of each kind, on plain weed processes: the filer first, while its master and volume server serve. */
async function plainStops(dir) {
  mkdirSync(dir, {recursive: true})
  execFileSync('bash', [join(ROOT, 'bench', 'baseline-cluster.sh'), weed(), dir, '5600', '1'])
  await sleep(SETTLE_MS)
  const [master, volume, filer] = readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number)
  return {filerMs: await signalAndWait(filer, 'SIGTERM'), volumeMs: await signalAndWait(volume, 'SIGTERM'), masterMs: await signalAndWait(master, 'SIGTERM')}
}

async function seaweedctlDown(dir) {
  mkdirSync(dir, {recursive: true})
  ctl(['up', '--volumes', String(volumes), '--port-offset', '5500', '--weed', weed()], dir)
  await sleep(SETTLE_MS)
  return ctl(['down'], dir).ms
}

await runBenchmark('down', async (ws) => {
  const result = {processes: volumes + 2, downMs: [], masterMs: [], volumeMs: [], filerMs: []}
  for (let round = 1; round <= rounds; round++) {
    const plain = await plainStops(join(ws.root, `plain-${round}`))
    const down = await seaweedctlDown(ws.cluster(join(ws.root, `ctl-${round}`)))
    for (const key of ['masterMs', 'volumeMs', 'filerMs']) result[key].push(plain[key])
    result.downMs.push(down)
    const slowest = Math.max(plain.masterMs, plain.volumeMs, plain.filerMs)
    log(`round ${round}: own SIGTERM stop: master ${fmtS(plain.masterMs)}, volume ${fmtS(plain.volumeMs)}, filer ${fmtS(plain.filerMs)}; seaweedctl down of ${volumes + 2} processes ${fmtS(down)} (${(down / slowest).toFixed(2)}× the slowest)`)
  }
  emit(result)
})
