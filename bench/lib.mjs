// What the Node benchmarks share: the CLI and weed they run, timing, polling, and cleanup by pid.
// Every benchmark prints its human lines and, with --json, exactly one JSON line on stdout at the end (its
// human lines then go to stderr), which bench/run.mjs reads.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

const jsonMode = process.argv.includes('--json')
/** The positional arguments, without --json. */
export const args = process.argv.slice(2).filter((a) => a !== '--json')

/** A human line: on stdout, or on stderr when stdout carries the JSON result. */
export function log(line) {
  ;(jsonMode ? process.stderr : process.stdout).write(`${line}\n`)
}

/** The machine-readable result, printed only with --json, as the last line of stdout. */
export function emit(result) {
  if (jsonMode) process.stdout.write(`${JSON.stringify(result)}\n`)
}

/** Where scripts/install-node.sh puts the other Node majors (outside the checkout). */
export const NODE_CACHE = process.env.SEAWEEDCTL_NODE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'seaweedctl-ci', 'node')

/** Node `major` from that cache, installed first when missing: {bin, version}. */
export function nodeBinary(major) {
  execFileSync('bash', [join(ROOT, 'scripts', 'install-node.sh'), major], {stdio: ['ignore', 2, 2]})
  const bin = join(NODE_CACHE, major, 'bin', 'node')
  return {bin, version: execFileSync(bin, ['--version'], {encoding: 'utf8'}).trim()}
}

let weedPath
/** The weed binary the repository's own installer provides (it prints the path on its last line). */
export function weed() {
  weedPath ??= execFileSync('bash', [join(ROOT, 'scripts', 'install-weed.sh')], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim().split('\n').at(-1)
  return weedPath
}

/** Runs the built CLI in `cwd`; throws with its output when it fails. Returns the elapsed milliseconds and stdout. */
export function ctl(argv, cwd, {env, allowExit = []} = {}) {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [BIN, ...argv], {cwd, encoding: 'utf8', env: {...process.env, CI: 'true', NO_COLOR: '1', ...env}, maxBuffer: 16 * 1024 * 1024})
  const ms = performance.now() - t0
  if (r.status !== 0 && !allowExit.includes(r.status)) throw new Error(`seaweedctl ${argv.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`.slice(0, 2000))
  return {ms, stdout: r.stdout}
}

export const status = (cwd) => JSON.parse(ctl(['status', '--json'], cwd, {allowExit: [3]}).stdout)

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` (a thrown error counts as "not yet") until it returns a value, or throws after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs = 120_000, everyMs = 20) {
  const deadline = performance.now() + timeoutMs
  let last = ''
  while (true) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = error.message
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ''}`)
    await sleep(everyMs)
  }
}

/**
 * True while `pid` exists and is not a zombie whose threads have all gone. A multi-threaded process (weed) killed
 * by SIGKILL can show its first thread as a zombie while the others still exit, holding its sockets open: the next
 * start on the same ports then finds one in use.
 */
export function alive(pid) {
  try {
    process.kill(pid, 0)
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')) || readdirSync(`/proc/${pid}/task`).length > 1
  } catch {
    return false
  }
}

/** Sends `signal` to `pid` and resolves with the milliseconds until it is gone. */
export async function signalAndWait(pid, signal, timeoutMs = 120_000) {
  const t0 = performance.now()
  try {
    process.kill(pid, signal)
  } catch {
    return 0
  }
  await waitFor(`pid ${pid} to exit after ${signal}`, () => !alive(pid), timeoutMs, 5)
  return performance.now() - t0
}

/** Pids of processes whose working directory is inside `dir` (every weed and the daemon of a cluster there). */
export function pidsUnder(dir) {
  const out = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`)
      if (cwd === dir || cwd.startsWith(`${dir}/`)) out.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return out
}

/**
 * A temp directory for the benchmark's clusters and plain processes. `cleanup` runs `down` in every cluster
 * directory given to `cluster()`, then kills by pid whatever still runs inside, then removes the directory.
 */
export function workspace(label) {
  const root = mkdtempSync(join(tmpdir(), `seaweedctl-bench-${label}-`))
  const clusters = new Set()
  return {
    root,
    cluster(dir) {
      clusters.add(dir)
      return dir
    },
    cleanup() {
      for (const dir of clusters) spawnSync(process.execPath, [BIN, 'down'], {cwd: dir, stdio: 'ignore', timeout: 120_000})
      for (const pid of pidsUnder(root)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      rmSync(root, {recursive: true, force: true})
    },
  }
}

/** Runs `main(ws)` and always cleans the workspace, also on Ctrl-C or a failure (then exit 1 with the error). */
export async function runBenchmark(label, main) {
  const ws = workspace(label)
  const stop = () => {
    ws.cleanup()
    process.exit(130)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    await main(ws)
  } catch (error) {
    log(`${label}: ${error.stack ?? error}`)
    process.exitCode = 1
  } finally {
    ws.cleanup()
  }
}

export const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`
