#!/usr/bin/env node
// Benchmark: what the supervisor daemon costs while the cluster idles. Starts 1 master, VOLUMES volume servers
// and 1 filer (6 processes with 4 volume servers, 34 with 32), lets start-up settle, then reads the CPU time of
// all the daemon's threads from /proc/<pid>/task/*/schedstat (the scheduler's own nanoseconds; utime and stime are
// sampled at 250 Hz here) over WINDOW seconds, ROUNDS times, and its memory from
// /proc/<pid>/smaps_rollup: RSS, and the part of it that is the daemon's own (anonymous) rather than the node
// executable's shared file pages. Targets (#24) with 34 processes probing every 2 s: ≤ 0.5 % of a core, RSS
// within 10 MB of an idle bare Node process (measured beside each window: `node -e 'setInterval(() => {}, 2000)'`).
//   usage: node bench/daemon-idle.mjs [VOLUMES] [WINDOW] [ROUNDS] [--json]   (defaults 32, 30 s, 3; port offset 3400;
//          needs npm run build and weed)
// Side by side (each variant starts its own cluster; variants alternate, PASSES times, ROUNDS windows each):
//   --clients=hand,undici   the daemon's loopback client as built (hand) and on undici (bench/loopback-undici.mjs
//                           put in place of dist/lib/loopback-http.js in a copy of the package, whose daemon bundle,
//                           dist/daemon/main.cjs, is made again; no switch in the product)
//   --against=DIR[,DIR…]    also the build in other checkouts (each one's bin/run.js; e.g. the commit before a change)
//   --passes=N              how many times the variants alternate (default 1)
import {execFileSync, spawn} from 'node:child_process'
import {copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const json = process.argv.includes('--json')
const volumes = Number(args[0] || 32)
const seconds = Number(args[1] || 30)
const rounds = Number(args[2] || 3)
const passes = Number(flag('passes') || 1)
const offset = Number(process.env.BENCH_PORT_OFFSET || 3400)
const root = fileURLToPath(new URL('..', import.meta.url))
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`)
const scratch = []

/** A copy of this package whose daemon speaks HTTP through undici (the bench's variant, never shipped). */
function undiciCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'daemon-idle-undici-'))
  scratch.push(dir)
  for (const part of ['bin', 'dist', 'scripts', 'templates', 'package.json', 'oclif.manifest.json']) cpSync(join(root, part), join(dir, part), {recursive: true})
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  copyFileSync(join(root, 'bench', 'loopback-undici.mjs'), join(dir, 'dist', 'lib', 'loopback-http.js'))
  execFileSync(process.execPath, [join(dir, 'scripts', 'bundle.mjs'), 'daemon'], {stdio: 'inherit'})
  return join(dir, 'bin', 'run.js')
}

const variants = []
for (const client of (flag('clients') ?? 'hand').split(',')) {
  if (client === 'hand') variants.push({label: 'hand-written client', bin: join(root, 'bin', 'run.js')})
  else if (client === 'undici') variants.push({label: 'undici Client per origin', bin: undiciCopy()})
  else throw new Error(`unknown client ${client} (hand, undici)`)
}
for (const dir of flag('against')?.split(',') ?? []) variants.push({label: `build in ${dir}`, bin: join(resolve(dir), 'bin', 'run.js')})

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
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** One cluster under `variant`'s CLI and daemon: ROUNDS windows of its idle daemon, beside a bare idle node. */
async function measure(variant) {
  const dir = mkdtempSync(join(tmpdir(), 'daemon-idle-'))
  const cli = (...a) => execFileSync(process.execPath, [variant.bin, ...a], {cwd: dir, encoding: 'utf8'})
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 2000)'], {stdio: 'ignore'})
  try {
    cli('up', '--volumes', String(volumes), '--filers', '1', '--port-offset', String(offset))
    const status = JSON.parse(cli('status', '--json'))
    const daemon = status.daemon.pid
    const processes = status.processes.length
    await sleep(5000) // let the start-up's garbage and the first probes settle
    const out = {processes, cpuPercent: [], rssMB: [], anonMB: [], bareRssMB: [], bareAnonMB: []}
    for (let round = 1; round <= rounds; round++) {
      const start = cpuSeconds(daemon)
      const t0 = Date.now()
      await sleep(seconds * 1000)
      const share = ((cpuSeconds(daemon) - start) / ((Date.now() - t0) / 1000)) * 100
      const m = memory(daemon)
      const b = memory(bare.pid)
      out.cpuPercent.push(share)
      out.rssMB.push(m.rssMB)
      out.anonMB.push(m.anonMB)
      out.bareRssMB.push(b.rssMB)
      out.bareAnonMB.push(b.anonMB)
      log(`${variant.label}, round ${round}: ${processes} processes, daemon ${share.toFixed(2)} % of a core, RSS ${m.rssMB.toFixed(1)} MB (own ${m.anonMB.toFixed(1)} MB, node's file pages ${m.fileMB.toFixed(1)} MB); bare idle node RSS ${b.rssMB.toFixed(1)} MB (own ${b.anonMB.toFixed(1)} MB)`)
    }
    return out
  } finally {
    bare.kill('SIGKILL')
    try {
      cli('down')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }
}

try {
  if (variants.length === 1 && passes === 1) {
    const {processes, cpuPercent, rssMB, anonMB, bareRssMB, bareAnonMB} = await measure(variants[0])
    if (json) process.stdout.write(`${JSON.stringify({processes, cpuPercent, rssMB, anonMB, bareRssMB, bareAnonMB})}\n`)
  } else {
    const runs = variants.map(() => [])
    for (let pass = 1; pass <= passes; pass++) {
      for (const [i, variant] of variants.entries()) runs[i].push(await measure(variant))
    }
    const summary = variants.map((variant, i) => {
      const all = (key) => runs[i].flatMap((r) => r[key])
      return {
        variant: variant.label,
        cpuPercent: all('cpuPercent'), medianCpuPercent: median(all('cpuPercent')),
        medianRssMB: median(all('rssMB')), medianAnonMB: median(all('anonMB')), medianBareRssMB: median(all('bareRssMB')),
        // Each pass's median against the first variant's in the same pass: the machine's load moves between passes.
        cpuRatioByPass: runs[i].map((r, pass) => median(r.cpuPercent) / median(runs[0][pass].cpuPercent)),
        cpuDifferencePpByPass: runs[i].map((r, pass) => median(r.cpuPercent) - median(runs[0][pass].cpuPercent)),
      }
    })
    for (const s of summary) {
      log(`${s.variant}: median ${s.medianCpuPercent.toFixed(3)} % of a core (pass ratios ${s.cpuRatioByPass.map((r) => r.toFixed(2)).join(', ')}; differences ${s.cpuDifferencePpByPass.map((d) => d.toFixed(3)).join(', ')} pp), RSS ${s.medianRssMB.toFixed(1)} MB (own ${s.medianAnonMB.toFixed(1)} MB), bare idle node ${s.medianBareRssMB.toFixed(1)} MB`)
    }
    if (json) process.stdout.write(`${JSON.stringify({processes: runs[0][0].processes, variants: summary})}\n`)
  }
} finally {
  for (const dir of scratch) rmSync(dir, {recursive: true, force: true})
}
