#!/usr/bin/env node
// Benchmark: what any idle Node process costs here, the floor under the supervisor daemon's figures: a bare
// `node -e 'setInterval(() => {}, 2000)'` (a timer every 2 s, like the daemon's probes, and nothing else), its RSS
// and anonymous memory from /proc/<pid>/smaps_rollup after SETTLE, and its CPU over WINDOW seconds.
//   usage: node bench/node-floor.mjs [ROUNDS] [WINDOW] [--json]   (default 3 rounds, 5 s; no ports)
import {spawn} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'

import {args, emit, log, signalAndWait, sleep} from './lib.mjs'

const rounds = Number(args[0] || 3)
const windowSeconds = Number(args[1] || 5)

const cpuSeconds = (pid) => readdirSync(`/proc/${pid}/task`).reduce((ns, task) => ns + Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]), 0) / 1e9

function memory(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN)
  return {rssMB: kb('Rss') / 1024, anonMB: kb('Anonymous') / 1024}
}

const result = {rssMB: [], anonMB: [], cpuPercent: []}
for (let round = 1; round <= rounds; round++) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 2000)'], {stdio: 'ignore'})
  try {
    await sleep(2000) // past start-up
    const start = cpuSeconds(child.pid)
    const t0 = performance.now()
    await sleep(windowSeconds * 1000)
    const cpu = ((cpuSeconds(child.pid) - start) / ((performance.now() - t0) / 1000)) * 100
    const m = memory(child.pid)
    result.rssMB.push(m.rssMB)
    result.anonMB.push(m.anonMB)
    result.cpuPercent.push(cpu)
    log(`round ${round}: idle bare node: RSS ${m.rssMB.toFixed(1)} MB (own ${m.anonMB.toFixed(1)} MB), ${cpu.toFixed(3)} % of a core`)
  } finally {
    await signalAndWait(child.pid, 'SIGKILL')
  }
}
emit(result)
