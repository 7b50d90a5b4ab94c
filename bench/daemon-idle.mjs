#!/usr/bin/env node
// Benchmark: what the supervisor daemon costs while the cluster idles. Starts 1 master, VOLUMES volume servers
// and 1 filer (6 processes with 4 volume servers, 34 with 32), lets start-up settle, then reads the CPU time of
// all the daemon's threads from /proc/<pid>/task/*/schedstat (the scheduler's own nanoseconds; utime and stime are
// sampled at 250 Hz here) over WINDOW seconds, ROUNDS times, and its memory from
// /proc/<pid>/smaps_rollup: RSS, and the part of it that is the daemon's own (anonymous) rather than the node
// executable's shared file pages. Targets (#16) with 34 processes probing every 2 s: ≤ 40 MB RSS, ≤ 0.5 % of a core.
//   usage: node bench/daemon-idle.mjs [VOLUMES] [WINDOW] [ROUNDS] [--json]   (defaults 32, 30 s, 3; port offset 3400;
//          needs npm run build and weed)
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const args = process.argv.slice(2).filter((a) => a !== '--json')
const json = process.argv.includes('--json')
const volumes = Number(args[0] || 32)
const seconds = Number(args[1] || 30)
const rounds = Number(args[2] || 3)
const offset = Number(process.env.BENCH_PORT_OFFSET || 3400)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'daemon-idle-'))
const cli = (...a) => execFileSync(process.execPath, [bin, ...a], {cwd: dir, encoding: 'utf8'})
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`)

/** CPU time of every thread of `pid`, in seconds. */
function cpuSeconds(pid) {
  let ns = 0
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      // a thread that ended meanwhile
    }
  }
  return ns / 1e9
}

/** RSS and anonymous memory of `pid` in MB. */
function memory(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN)
  return {rssMB: kb('Rss') / 1024, anonMB: kb('Anonymous') / 1024, fileMB: (kb('Rss') - kb('Anonymous')) / 1024}
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

try {
  cli('up', '--volumes', String(volumes), '--filers', '1', '--port-offset', String(offset))
  const status = JSON.parse(cli('status', '--json'))
  const daemon = status.daemon.pid
  const processes = status.processes.length
  await sleep(5000) // let the start-up's garbage and the first probes settle
  const cpu = []
  const mem = []
  for (let round = 1; round <= rounds; round++) {
    const start = cpuSeconds(daemon)
    const t0 = Date.now()
    await sleep(seconds * 1000)
    const share = ((cpuSeconds(daemon) - start) / ((Date.now() - t0) / 1000)) * 100
    const m = memory(daemon)
    cpu.push(share)
    mem.push(m)
    log(`round ${round}: ${processes} processes, daemon ${share.toFixed(2)} % of a core, RSS ${m.rssMB.toFixed(1)} MB (own ${m.anonMB.toFixed(1)} MB, node's file pages ${m.fileMB.toFixed(1)} MB)`)
  }
  const result = {processes, cpuPercent: cpu, rssMB: mem.map((m) => m.rssMB), anonMB: mem.map((m) => m.anonMB)}
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`)
} finally {
  try {
    cli('down')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
