import {type ChildProcess, spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

/**
 * A daemon process started before `up` has read its spec (see main.ts `--stdin`). Only `up` (the command, and
 * startCluster) starts one; it is handed the run directory when every check has passed, or dismissed by closing
 * its stdin.
 */
let prestarted: ChildProcess | undefined
let exitHookInstalled = false

/**
 * How node runs the daemon. It runs no hot loop for its whole life (timers, a few probes a second, small
 * JSON), so V8's compilers and a large young generation only cost memory: bytecode only (neither the
 * optimizing nor the baseline compiler), and a heap sized for memory (`--optimize-for-size`: the old
 * generation grows in 2 MB steps, not 8 MB, so less garbage waits for a collection). Idle with 34 processes
 * (bench/daemon-idle.mjs, alternating runs): RSS 47.1 MB against 51.1 MB with `--no-opt` alone, CPU unchanged
 * (0.16 against 0.15–0.19 % of a core). `--lite-mode` held 0.6 MB less but used about 0.04 points of a core
 * more, and turns off WebAssembly, which Node's fetch needs. WebAssembly stays on.
 */
// --no-maglev: Node 24's V8 keeps its mid-tier compiler on under --no-opt (Node 22's and 20's have it off).
export const DAEMON_NODE_FLAGS = ['--no-opt', '--no-maglev', '--no-sparkplug', '--optimize-for-size', '--max-semi-space-size=1']

/**
 * The environment a daemon runs with, however it is started: what locates its files and tools (PATH, HOME, TMPDIR,
 * TZ, the XDG directories, seaweedctl's own SEAWEEDCTL_* settings, Node's compile cache), and nothing else of the
 * shell that ran `up`. Its keys and tokens (AWS_*, a CI's secrets) do not belong in a process that lives on,
 * and weed gets an environment of its own plan anyway.
 */
export function daemonEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {PATH: env.PATH ?? '/usr/bin:/bin'}
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (KEPT.has(name) || name.startsWith('XDG_') || name.startsWith('SEAWEEDCTL_'))) kept[name] = value
  }
  return kept
}

const KEPT = new Set(['HOME', 'TMPDIR', 'TZ', 'NODE_COMPILE_CACHE', 'NODE_DISABLE_COMPILE_CACHE'])

/** The daemon's entry as it runs: main.ts and all it loads in one CommonJS file (scripts/bundle.mjs). */
export const DAEMON_MAIN = fileURLToPath(new URL('main.cjs', import.meta.url))

export function prestartDaemon(): void {
  // One waiting is enough (two startCluster calls at once): the second `up` starts its daemon itself.
  if (prestarted && prestarted.exitCode === null && prestarted.stdin?.writable) return
  // cwd '/': a daemon must not keep the user's directory busy (it moves into the run directory once told).
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, DAEMON_MAIN, '--stdin'], {cwd: '/', detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: daemonEnvironment()})
  prestarted = child
  child.on('error', () => {
    if (prestarted === child) prestarted = undefined
  })
  // One that died (killed, or its file missing) is not written to: `up` starts a daemon itself instead (cluster.ts).
  // Without this, the EPIPE of that write would end the caller's process.
  child.stdin!.on('error', () => {})
  // Not handed a plan (the checks failed, or the cluster was already running): it must not outlive us.
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      if (prestarted && prestarted.exitCode === null) prestarted.kill('SIGKILL')
    })
  }
  child.unref()
  // The pipe must not keep this process alive.
  ;(child.stdin as unknown as {unref?: () => void})?.unref?.()
}

/** The pre-started daemon, if there is one still waiting; taking it means it will be used. */
export function takePrestartedDaemon(): ChildProcess | undefined {
  const child = prestarted
  prestarted = undefined
  return child && child.exitCode === null && child.stdin?.writable ? child : undefined
}

/** A pre-started daemon nobody took (the cluster was already running, or a check failed): it ends now. */
export function dismissPrestartedDaemon(): void {
  const child = takePrestartedDaemon()
  child?.stdin?.end()
}
