#!/usr/bin/env node
// Benchmark: does capturing a child's output ever slow the child down? A writer (test/fixtures/log-writer.mjs)
// is started by the real ProcessLauncher, as weed is, in three setups, alternated round by round:
//   /dev/null   its output discarded (the baseline)
//   file        appended to its log file, never rotated
//   rotating    appended to its log file while it is rotated as the daemon does it (every 1 s, at 5 MB, 10 backups)
// Each setup runs the writer twice: as fast as it can (MB/s, the ratio to the baseline is what matters), and
// paced at 50 MB/s (it must keep 50 MB/s; the longest single write shows any stall).
//   usage: node bench/log-throughput.mjs [ROUNDS] [MB] [--json]   (default 3 rounds of 1024 MB; needs npm run build;
//          --json: the human lines go to stderr, the last line of stdout is {"fullSpeed"|"paced50":{setup:{mbps,maxWriteMs}}})
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ProcessLauncher} from '../dist/supervisor/launcher.js'
import {rotateIfLarge} from '../dist/supervisor/log-rotation.js'

const json = process.argv.includes('--json')
const positional = process.argv.slice(2).filter((a) => a !== '--json')
const rounds = Number(positional[0] || 3)
const totalMb = Number(positional[1] || 1024)
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`)
const writer = fileURLToPath(new URL('../test/fixtures/log-writer.mjs', import.meta.url))
const MAX_BYTES = 5 * 1024 * 1024
const BACKUPS = 10
const ROTATE_EVERY_MS = 1000
const launcher = new ProcessLauncher()

async function run(setup, rateMbps) {
  const dir = mkdtempSync(join(tmpdir(), 'log-throughput-'))
  const report = join(dir, 'report.json')
  const log = setup === '/dev/null' ? '/dev/null' : join(dir, 'writer.log')
  const plan = {
    name: 'writer', kind: 'volume', index: 1, args: [writer, String(rateMbps ? Math.min(totalMb, rateMbps * 8) : totalMb), '64', report, String(rateMbps)],
    cwd: dir, env: {PATH: process.env.PATH}, ports: {http: 0, grpc: 0}, dataDir: dir, logFile: log,
    readiness: {kind: 'http', url: 'http://127.0.0.1:1/'}, liveness: {kind: 'http', url: 'http://127.0.0.1:1/'}, stopSignal: 'SIGTERM', stopTimeoutMs: 1000,
  }
  let rotations = 0
  const timer = setup === 'rotating' ? setInterval(() => {
    if (rotateIfLarge(log, MAX_BYTES, BACKUPS)) rotations++
  }, ROTATE_EVERY_MS) : undefined
  try {
    const handle = launcher.launch(plan, process.execPath)
    // The launcher unrefs its children (they outlive the daemon); keep this process alive until the writer ends.
    const keepAlive = setInterval(() => {}, 1000)
    const exit = await new Promise((resolve) => handle.onExit(resolve)).finally(() => clearInterval(keepAlive))
    if (exit.code !== 0) throw new Error(`writer ended with ${JSON.stringify(exit)}`)
    const result = JSON.parse(readFileSync(report, 'utf8'))
    const kept = setup === '/dev/null' ? 0 : readdirSync(dir).filter((f) => f.startsWith('writer.log')).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)
    return {...result, rotations, kept}
  } finally {
    if (timer) clearInterval(timer)
    rmSync(dir, {recursive: true, force: true})
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const setups = ['/dev/null', 'file', 'rotating']
const byRate = {}
for (const rate of [0, 50]) {
  const results = new Map(setups.map((s) => [s, []]))
  for (let r = 1; r <= rounds; r++) {
    for (const setup of setups) {
      const x = await run(setup, rate)
      results.get(setup).push(x)
      log(`round ${r} ${rate ? 'paced 50 MB/s' : 'full speed'} ${setup.padEnd(9)} ${(x.bytes / 1048576).toFixed(0)} MB at ${x.mbps.toFixed(1)} MB/s, longest write ${x.maxWriteMs.toFixed(1)} ms${setup === 'rotating' ? `, ${x.rotations} rotations, ${(x.kept / 1048576).toFixed(1)} MB in log + backups` : ''}`)
    }
  }
  byRate[rate ? 'paced50' : 'fullSpeed'] = Object.fromEntries(setups.map((s) => [s, {mbps: results.get(s).map((x) => x.mbps), maxWriteMs: results.get(s).map((x) => x.maxWriteMs)}]))
  const mbps = (s) => median(results.get(s).map((x) => x.mbps))
  const worst = (s) => Math.max(...results.get(s).map((x) => x.maxWriteMs))
  log(`${rate ? 'paced 50 MB/s' : 'full speed'}: median MB/s  /dev/null ${mbps('/dev/null').toFixed(1)}, file ${mbps('file').toFixed(1)}, rotating ${mbps('rotating').toFixed(1)};` +
    ` rotating / /dev/null ${(mbps('rotating') / mbps('/dev/null')).toFixed(2)}, rotating / file ${(mbps('rotating') / mbps('file')).toFixed(2)};` +
    ` longest write while rotating ${worst('rotating').toFixed(1)} ms (file ${worst('file').toFixed(1)} ms)`)
}
if (json) process.stdout.write(`${JSON.stringify(byRate)}\n`)
