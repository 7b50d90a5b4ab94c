import {type ChildProcess, spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

/**
 * A daemon process started before `up` has read its spec (see main.ts `--stdin`). Only the `up` command
 * starts one; it is handed the run directory when every check has passed, or dismissed by closing its stdin.
 */
let prestarted: ChildProcess | undefined

/**
 * How node runs the daemon. It runs no hot loop for its whole life (timers, a few probes a second, small
 * JSON), so V8's optimizing compiler and a large young generation only cost memory: with them off, the idle
 * daemon of a 34-process cluster holds about 8 MB less (bench/daemon-idle.mjs). WebAssembly stays on (the
 * daemon's own client, undici, needs it).
 */
export const DAEMON_NODE_FLAGS = ['--no-opt', '--max-semi-space-size=1']

export function prestartDaemon(): void {
  const main = fileURLToPath(new URL('main.js', import.meta.url))
  // cwd '/': a daemon must not keep the user's directory busy (it moves into the run directory once told).
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, main, '--stdin'], {cwd: '/', detached: true, stdio: ['pipe', 'ignore', 'ignore']})
  prestarted = child
  child.on('error', () => {
    prestarted = undefined
  })
  // Not handed a plan (the checks failed, or the cluster was already running): it must not outlive us.
  process.once('exit', () => {
    if (prestarted === child && child.exitCode === null) child.kill('SIGKILL')
  })
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
