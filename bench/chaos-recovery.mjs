#!/usr/bin/env node
// Chaos recovery bench (on demand, not in CI and not in `npm run bench`: a useful run takes 10 minutes or more).
// Two scenarios, each keeping the cluster's logs whenever something is slow or fails:
//   faults   3 masters (-electionTimeout=1s on one host), 3 volume servers, replication 001, a filer, an S3
//            gateway, and a writer posting through the filer every 100 ms. Faults one at a time: kill -9 and
//            SIGSTOP of the leading master, of a following master and of a volume server, kill -9 of the filer
//            and of the S3 gateway. Each fault's recovery is measured two ways:
//              writes    from the fault to the first acknowledged write that was sent after the fault
//              (and the outage: the longest time without an acknowledged write until both below hold)
//              healthy   from the fault until the victim runs under a new pid, every process is RUNNING and
//                        `status --json` names a leader (polled: on a loaded machine a status call takes seconds)
//              daemon    from the fault to daemon.log's "running" line of the victim's new pid (exact)
//            and recovery = the later of the two.
//   restart  `up --s3 --bucket data` on a new 1-master cluster, a write through the filer, then `down` and `up`
//            twice; each `up` is timed from its --json (elapsedMs, canary.elapsedMs, canary.attempts), and
//            daemon.log and master-1.log tell when each process got ready and how the master became leader.
// A recovery over --threshold seconds (default 40), an `up` over --slow-up seconds (default 10), or a failure
// copies the cluster's weed logs, daemon.log, state files and every `status --json` taken meanwhile into
// bench/results/chaos-<timestamp>/<event>/ (bench/results is gitignored) and prints where.
//   usage: node bench/chaos-recovery.mjs [faults|restart|both] [--seconds N] [--rounds N] [--threshold S]
//          [--slow-up S] [--faults 'SIGSTOP leader,kill-9 leader'] [--weed 4.48|4.30]
//          [--election-timeout 10s] [--json]
//   Run it in a network namespace of its own:
//     unshare -n bash -c 'ip link set lo up && exec node bench/chaos-recovery.mjs both --seconds 600'
//   Port offsets 4700 (faults) and 4800 (restart).
import {execFileSync, spawn} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

import {BIN, ROOT, emit, fmtS, log, runBenchmark, sleep} from './lib.mjs'

const {values: opts, positionals} = parseArgs({allowPositionals: true, options: {
  seconds: {type: 'string', default: '600'}, rounds: {type: 'string', default: '5'}, threshold: {type: 'string', default: '40'},
  'slow-up': {type: 'string', default: '10'}, faults: {type: 'string'}, weed: {type: 'string', default: '4.48'}, 'election-timeout': {type: 'string'}, json: {type: 'boolean'}}})
const scenario = positionals[0] ?? 'both'
if (!['faults', 'restart', 'both'].includes(scenario)) {
  console.error(`chaos-recovery: unknown scenario ${scenario} (faults, restart or both)`)
  process.exit(2)
}
/** The weed of --weed VERSION (default 4.48), installed by the repository's own installer if missing. */
let weedPath
const weed = () => (weedPath ??= execFileSync('bash', [join(ROOT, 'scripts', 'install-weed.sh'), opts.weed], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim().split('\n').at(-1))
const SECONDS = Number(opts.seconds)
const ROUNDS = Number(opts.rounds)
const THRESHOLD_MS = Number(opts.threshold) * 1000
const SLOW_UP_MS = Number(opts['slow-up']) * 1000
/** A fault that has not recovered after this long is a failure (logs kept, the run goes on with the next fault). */
const GIVE_UP_MS = 180_000
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const RESULTS = join(ROOT, 'bench', 'results', `chaos-${stamp}`)

/** The CLI, without blocking the event loop (the writer's timestamps must not wait for a `status`). */
function ctlAsync(argv, cwd, timeoutMs = 60_000) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [BIN, ...argv], {cwd, env: {...process.env, CI: 'true', NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr, ms: performance.now() - t0})
    })
  })
}

async function statusOf(dir) {
  const r = await ctlAsync(['status', '--json'], dir, 30_000)
  try {
    return JSON.parse(r.stdout)
  } catch {
    return {error: `status exited ${r.code}: ${r.stderr.slice(0, 300)}`, processes: []}
  }
}

const healthy = (s) => Boolean(s.leader) && s.processes?.length > 0 && s.processes.every((p) => p.state === 'RUNNING')
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN)
const summary = (xs) => (xs.length ? `n=${xs.length} median ${fmtS(median(xs))} max ${fmtS(Math.max(...xs))}` : 'n=0')
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ')

/** Copies what explains a slow or failed event: weed logs, daemon.log, state files, the status snapshots. */
function keepLogs(dir, event, details) {
  const into = join(RESULTS, event)
  mkdirSync(into, {recursive: true})
  const data = join(dir, '.seaweed')
  for (const sub of ['logs', 'run']) {
    const from = join(data, sub)
    if (!existsSync(from)) continue
    // The run directory holds sockets and keys: only its logs and JSON state.
    cpSync(from, join(into, sub), {recursive: true, filter: (src) => sub === 'logs' || src === from || /\.(log|json)(\.\d+)?$/.test(src) && !/credentials|s3\//.test(src)})
  }
  writeFileSync(join(into, 'event.json'), `${JSON.stringify(details, null, 2)}\n`)
  log(`  logs kept in ${into}`)
  return into
}

// --- faults -------------------------------------------------------------------------------------------------

/** Posts through the filer every `everyMs`; remembers when each write was sent and when it was acknowledged. */
function startWriter(filer, everyMs = 100) {
  const writes = []
  let running = true
  const inflight = new Set()
  const loop = (async () => {
    for (let n = 1; running; n++) {
      const sent = performance.now()
      const w = (async () => {
        try {
          const form = new FormData()
          form.append('file', new Blob([`chaos write ${n}`]), 'w.txt')
          const res = await fetch(`${filer}/chaos/${n}.txt`, {method: 'POST', body: form, signal: AbortSignal.timeout(10_000)})
          await res.arrayBuffer()
          writes.push({sent, acked: res.ok ? performance.now() : undefined, status: res.status})
        } catch (error) {
          writes.push({sent, acked: undefined, error: error.name === 'TimeoutError' ? 'timeout' : error.cause?.code ?? error.name})
        }
      })()
      inflight.add(w)
      w.finally(() => inflight.delete(w))
      // At most 20 writes in flight: a frozen process holds requests until their timeout.
      while (inflight.size >= 20) await Promise.race(inflight)
      await sleep(everyMs)
    }
  })()
  return {
    /** The first write sent at or after `since` that was acknowledged: its acknowledgement time. */
    firstAckAfter: (since) => writes.filter((w) => w.sent >= since && w.acked !== undefined).reduce((t, w) => Math.min(t, w.acked), Infinity),
    /** The longest time without an acknowledgement between `from` and `to` (the write outage of a fault). */
    longestGap(from, to) {
      const acks = writes.map((w) => w.acked).filter((t) => t !== undefined && t >= from && t <= to).sort((a, b) => a - b)
      let longest = 0
      let last = from
      for (const t of [...acks, to]) {
        longest = Math.max(longest, t - last)
        last = t
      }
      return longest
    },
    failuresBetween: (from, to) => writes.filter((w) => w.sent >= from && w.sent <= to && w.acked === undefined).length,
    count: () => writes.filter((w) => w.acked !== undefined).length,
    async stop() {
      running = false
      await loop
      await Promise.all(inflight)
    },
  }
}

const ALL_FAULTS = ['kill-9 leader', 'SIGSTOP leader', 'kill-9 follower', 'SIGSTOP follower', 'kill-9 volume', 'SIGSTOP volume', 'kill-9 filer', 'kill-9 s3']
/** --faults 'SIGSTOP leader,kill-9 leader' injects only these, in turn. */
const FAULTS = opts.faults ? opts.faults.split(',').map((f) => f.trim()) : ALL_FAULTS
const unknownFault = FAULTS.find((f) => !ALL_FAULTS.includes(f))
if (unknownFault) {
  console.error(`chaos-recovery: no fault ${unknownFault}; there are: ${ALL_FAULTS.join(', ')}`)
  process.exit(2)
}

async function faults(ws) {
  const dir = ws.cluster(join(ws.root, 'faults'))
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'seaweed.yaml'), ['portOffset: 4700', `weed: {version: "${opts.weed}"}`, 'master:', '  count: 3', '  defaultReplication: "001"',
    // --election-timeout 10s: weed's default, which one-host plans replaced by 1 s (ONE_HOST_ELECTION_TIMEOUT).
    ...(opts['election-timeout'] ? [`  args: ["-electionTimeout=${opts['election-timeout']}"]`] : []), 'volume:', '  count: 3',
    's3:', '  count: 1', '  buckets: [chaos]', 'supervise:', '  healthInterval: 1s', ''].join('\n'))
  const up = await ctlAsync(['up', '--timeout', '180s', '--weed', weed(), '--json'], dir, 300_000)
  if (up.code !== 0) throw new Error(`up exited ${up.code}: ${up.stderr}${up.stdout.slice(0, 2000)}`)
  const first = await waitHealthy(dir, () => true, 120_000)
  const writer = startWriter(first.status.endpoints.filer)
  const results = []
  const byKind = Object.fromEntries(FAULTS.map((k) => [k, []]))
  const end = performance.now() + SECONDS * 1000
  let i = 0
  try {
    while (performance.now() < end) {
      const before = await waitHealthy(dir, () => true, GIVE_UP_MS)
      if (!before.ok) {
        keepLogs(dir, `unhealthy-before-fault-${i}`, {snapshots: before.snapshots})
        throw new Error('the cluster did not get healthy between faults')
      }
      await sleep(2000)
      const kind = FAULTS[i++ % FAULTS.length]
      const s = before.status
      const masters = s.processes.filter((p) => p.kind === 'master')
      const pick = (xs) => xs[Math.floor(Math.random() * xs.length)]
      const victim = kind.endsWith('leader') ? masters.find((p) => p.leader)
        : kind.endsWith('follower') ? pick(masters.filter((p) => !p.leader))
        : kind.endsWith('volume') ? pick(s.processes.filter((p) => p.kind === 'volume'))
        : s.processes.find((p) => p.kind === kind.split(' ')[1])
      if (!victim?.pid) {
        log(`  no victim for ${kind} (leader ${s.leader}); skipped`)
        continue
      }
      const at = performance.now()
      const wall = new Date().toISOString()
      process.kill(victim.pid, kind.startsWith('SIGSTOP') ? 'SIGSTOP' : 'SIGKILL')
      const after = await waitHealthy(dir, (st) => st.processes.find((p) => p.name === victim.name)?.pid !== victim.pid, GIVE_UP_MS, at)
      const healthyMs = after.ok ? after.at - at : Infinity
      // Writes: wait (a little) for the first acknowledged write sent after the fault.
      const writesDeadline = performance.now() + 30_000
      while (writer.firstAckAfter(at) === Infinity && performance.now() < writesDeadline) await sleep(100)
      const writesMs = writer.firstAckAfter(at) - at
      const recoveryMs = Math.max(healthyMs, writesMs)
      const outageMs = writer.longestGap(at, performance.now())
      const daemonMs = runningAgainMs(dir, victim, Date.parse(wall))
      const row = {kind, victim: victim.name, pid: victim.pid, at: wall, writesMs, outageMs, healthyMs, daemonMs, recoveryMs, failedWrites: writer.failuresBetween(at, performance.now()), load: load()}
      results.push(row)
      if (Number.isFinite(recoveryMs)) byKind[kind].push(recoveryMs)
      log(`${wall} ${kind} ${victim.name}: writes again after ${fmtS(writesMs)} (longest gap ${fmtS(outageMs)}), healthy after ${fmtS(healthyMs)}, running again by daemon.log after ${fmtS(daemonMs ?? NaN)} (load ${row.load})`)
      if (!(recoveryMs <= THRESHOLD_MS)) row.logs = keepLogs(dir, `${wall.replace(/[:.]/g, '-')}-${kind.replace(/ /g, '-')}-${victim.name}`, {...row, snapshots: after.snapshots})
      if (!after.ok) log(`  ${victim.name} not recovered after ${GIVE_UP_MS / 1000} s`)
    }
  } finally {
    await writer.stop()
  }
  log(`faults: ${results.length} in ${SECONDS} s, ${writer.count()} writes acknowledged`)
  for (const k of FAULTS) log(`  ${k.padEnd(17)} recovery ${summary(byKind[k])}`)
  return {results, byKind: Object.fromEntries(FAULTS.map((k) => [k, {n: byKind[k].length, medianMs: median(byKind[k]), maxMs: Math.max(...byKind[k])}]))}
}

/**
 * From daemon.log: ms from the fault (epoch ms) until the victim was "running" under another pid. Exact where
 * `status --json` is not: on a loaded machine one status call took up to 11 s.
 */
function runningAgainMs(dir, victim, faultAt) {
  const file = join(dir, '.seaweed', 'run', 'daemon.log')
  if (!existsSync(file)) return undefined
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\S+) (\S+): running \(pid (\d+)\)/.exec(line)
    if (m && m[2] === victim.name && Number(m[3]) !== victim.pid && Date.parse(m[1]) >= faultAt) return Date.parse(m[1]) - faultAt
  }
  return undefined
}

/**
 * Polls `status --json` until the cluster is healthy and `extra` holds; returns every snapshot taken (with its
 * time since `from`), so a slow recovery can be read afterwards.
 */
async function waitHealthy(dir, extra, timeoutMs, from = performance.now()) {
  const snapshots = []
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    const s = await statusOf(dir)
    const at = performance.now()
    snapshots.push({tMs: Math.round(at - from), leader: s.leader, error: s.error, processes: s.processes?.map((p) => ({name: p.name, state: p.state, pid: p.pid, restarts: p.restarts, health: p.health, leader: p.leader}))})
    if (healthy(s) && extra(s)) return {ok: true, at, status: s, snapshots}
    await sleep(250)
  }
  return {ok: false, snapshots}
}

// --- restart (the canary after down/up) ---------------------------------------------------------------------

/** How master-1 became leader in its last start: "I am the leader!" at start-up arms weed's 15 s warm-up. */
function leaderPath(dir) {
  const file = join(dir, '.seaweed', 'logs', 'master-1.log')
  if (!existsSync(file)) return 'no log'
  const text = readFileSync(file, 'utf8')
  const last = text.slice(text.lastIndexOf('--- seaweedctl: starting master-1'))
  return /I am the leader!/.test(last) ? 'at start-up ("I am the leader!": the warm-up applies if volumes exist)' : /becomes leader/.test(last) ? 'by leader change event' : 'unknown'
}

/** daemon.log of the last daemon: ms from its first line to each process's "running". */
function readyTimes(dir) {
  const file = join(dir, '.seaweed', 'run', 'daemon.log')
  if (!existsSync(file)) return {}
  const lines = readFileSync(file, 'utf8').trim().split('\n')
  const start = lines.findLastIndex((l) => / daemon pid \d+ supervises/.test(l))
  const t0 = Date.parse(lines[start].slice(0, 24))
  const out = {}
  for (const l of lines.slice(start)) {
    const m = /^(\S+) (\S+): running/.exec(l)
    if (m) out[m[2]] ??= Date.parse(m[1]) - t0
  }
  return out
}

async function restart(ws) {
  const rows = []
  for (let round = 1; round <= ROUNDS; round++) {
    const dir = ws.cluster(join(ws.root, `restart-${round}`))
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: 4800\nweed: {version: "${opts.weed}"}\nvolume:\n  count: 2\n`)
    // As a user adds S3 to a running cluster: up without it, a write, S3 and a bucket added to the file, up.
    const phases = [['first up (no S3)', ['up', '--weed', weed(), '--json']], ['up adding S3 + bucket', ['up', '--json']], ['up after down', ['up', '--json']], ['second up after down', ['up', '--json']]]
    for (const [p, [name, argv]] of phases.entries()) {
      if (p > 1) {
        const down = await ctlAsync(['down', '--json'], dir, 120_000)
        if (down.code !== 0) throw new Error(`down exited ${down.code}: ${down.stderr}`)
      }
      if (p === 1) writeFileSync(join(dir, 'seaweed.yaml'), 's3:\n  count: 1\n  buckets: [data]\n', {flag: 'a'})
      const r = await ctlAsync(argv, dir, 180_000)
      let j
      try {
        j = JSON.parse(r.stdout)
      } catch {
        j = {}
      }
      if (r.code !== 0) log(`round ${round} ${name}: exited ${r.code}: ${(r.stderr + r.stdout).slice(0, 1500)}`)
      const row = {round, phase: name, code: r.code, wallMs: Math.round(r.ms), elapsedMs: j.elapsedMs, canaryMs: j.canary?.elapsedMs, attempts: j.canary?.attempts, leader: leaderPath(dir), ready: readyTimes(dir), load: load()}
      rows.push(row)
      log(`round ${round} ${name}: ${fmtS(r.ms)} (canary ${fmtS(row.canaryMs ?? NaN)}, ${row.attempts} attempts; master leader ${row.leader}; s3-1 running at ${fmtS(row.ready['s3-1'] ?? NaN)}; load ${row.load})`)
      if (r.code !== 0 || r.ms > SLOW_UP_MS) row.logs = keepLogs(dir, `restart-${round}-${p}`, {...row, stdout: r.stdout.slice(0, 20_000), stderr: r.stderr})
      if (r.code !== 0) break
      // A file through the filer, so the next start has volumes (and data) to come back to.
      if (p === 0) {
        const form = new FormData()
        form.append('file', new Blob(['kept']), 'one.txt')
        await fetch(`${j.endpoints.filer}/kept/one.txt`, {method: 'POST', body: form}).then((res) => res.arrayBuffer())
      }
    }
    await ctlAsync(['down', '--purge', '--yes'], dir, 120_000)
  }
  for (const name of new Set(rows.map((r) => r.phase))) {
    const of = rows.filter((r) => r.phase === name && r.code === 0)
    const warm = of.filter((r) => r.leader.startsWith('at start-up'))
    const cold = of.filter((r) => !r.leader.startsWith('at start-up'))
    log(`  ${name.padEnd(28)} up ${summary(of.map((r) => r.wallMs))}; canary with the warm-up armed ${summary(warm.map((r) => r.canaryMs))}, without ${summary(cold.map((r) => r.canaryMs))}`)
  }
  return {rows}
}

await runBenchmark('chaos-recovery', async (ws) => {
  log(`chaos-recovery: ${scenario}, weed ${weed()}, load ${load()}, results (if any) in ${RESULTS}`)
  const result = {}
  if (scenario !== 'faults') result.restart = await restart(ws)
  if (scenario !== 'restart') result.faults = await faults(ws)
  if (existsSync(RESULTS)) log(`kept logs: ${readdirSync(RESULTS).map((d) => join(RESULTS, d)).join('\n  ')}`)
  mkdirSync(RESULTS, {recursive: true})
  writeFileSync(join(RESULTS, 'result.json'), `${JSON.stringify(result, null, 2)}\n`)
  log(`result: ${join(RESULTS, 'result.json')}`)
  emit(result)
})
