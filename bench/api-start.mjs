// Benchmark: startCluster() (1 master, 4 volume servers, 1 filer) to ready, timed inside this process, and the
// CLI's `up --volumes 4`, each against bench/baseline-cluster.sh (the plain ordered start script), round by
// round in one run so all three see the same machine. Prints each round's ratios and their medians
// (targets: API ≤ 1.1×, CLI ≤ 1.2× the script).
//   usage: node bench/api-start.mjs [ROUNDS] [--json]   (default 5; port offset 3100; needs npm run build and weed;
//          --json: the human lines go to stderr, the last line of stdout is {"scriptApiS","apiS","apiSpawnS","scriptCliS",
//          "upS"}; apiSpawnS: from the call until the daemon spawned master-1)
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {alive} from './lib.mjs'

import {startCluster} from 'seaweedctl'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const json = process.argv.includes('--json')
const rounds = Number(process.argv.slice(2).find((a) => a !== '--json') ?? 5)
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`)
const offset = 3100
const weed = execFileSync('bash', [join(repo, 'scripts', 'install-weed.sh')], {encoding: 'utf8'}).trim().split('\n').at(-1)
const work = mkdtempSync(join(tmpdir(), 'seaweedctl-bench-api-'))
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9

function baseline() {
  const dir = join(work, 'base')
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  const t0 = process.hrtime.bigint()
  execFileSync('bash', [join(repo, 'bench', 'baseline-cluster.sh'), weed, dir, String(offset)])
  const t = seconds(t0)
  for (const pid of readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
    while (alive(pid)) spawnSync('sleep', ['0.05'])
  }
  return t
}

async function api() {
  const dir = join(work, 'api')
  rmSync(dir, {recursive: true, force: true})
  // startCluster() takes an existing directory (a missing one fails with ENOENT on its seaweed.yaml).
  mkdirSync(dir, {recursive: true})
  const wall0 = Date.now()
  const t0 = process.hrtime.bigint()
  const cluster = await startCluster({dir, volumes: 4, filers: 1, masters: 1, portOffset: offset, weed})
  const t = seconds(t0)
  // When the daemon spawned the master (its log's timestamp): the time before it is the API's alone.
  const spawned = /^(\S+Z) master-1: starting/m.exec(readFileSync(join(dir, '.seaweed', 'run', 'daemon.log'), 'utf8'))
  times.apiSpawnS.push(spawned ? (Date.parse(spawned[1]) - wall0) / 1000 : Number.NaN)
  await cluster.down({purge: true})
  return t
}

function cli() {
  const dir = join(work, 'cli')
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  const bin = join(repo, 'bin', 'run.js')
  const t0 = process.hrtime.bigint()
  execFileSync(process.execPath, [bin, 'up', '--volumes', '4', '--port-offset', String(offset), '--weed', weed], {cwd: dir, stdio: 'ignore'})
  const t = seconds(t0)
  execFileSync(process.execPath, [bin, 'down', '--purge', '--yes'], {cwd: dir, stdio: 'ignore'})
  return t
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const apiRatios = []
const cliRatios = []
const times = {scriptApiS: [], apiS: [], apiSpawnS: [], scriptCliS: [], upS: []}
try {
  for (let r = 1; r <= rounds; r++) {
    const b1 = baseline()
    const a = await api()
    const b2 = baseline()
    const c = cli()
    apiRatios.push(a / b1)
    cliRatios.push(c / b2)
    times.scriptApiS.push(b1); times.apiS.push(a); times.scriptCliS.push(b2); times.upS.push(c)
    log(`round ${r}: script ${b1.toFixed(2)}s  API ${a.toFixed(2)}s (${(a / b1).toFixed(2)}×)   script ${b2.toFixed(2)}s  CLI up ${c.toFixed(2)}s (${(c / b2).toFixed(2)}×)`)
  }
  log(`median ratio: API ${median(apiRatios).toFixed(2)}× (target ≤ 1.10), CLI up ${median(cliRatios).toFixed(2)}× (target ≤ 1.20)`)
  if (json) process.stdout.write(`${JSON.stringify(times)}\n`)
} finally {
  rmSync(work, {recursive: true, force: true})
}
