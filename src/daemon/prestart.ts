import {type ChildProcess, spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

/**
 * A daemon process started before `up` has read its spec (see main.ts `--stdin`). Only the `up` command
 * starts one; it is handed the run directory when every check has passed, or dismissed by closing its stdin.
 */
let prestarted: ChildProcess | undefined

export function prestartDaemon(): void {
  const main = fileURLToPath(new URL('main.js', import.meta.url))
  prestarted = spawn(process.execPath, [main, '--stdin'], {detached: true, stdio: ['pipe', 'ignore', 'ignore']})
  prestarted.on('error', () => {
    prestarted = undefined
  })
  prestarted.unref()
  // The pipe must not keep this process alive; when we exit, the daemon sees EOF and leaves.
  ;(prestarted.stdin as unknown as {unref?: () => void})?.unref?.()
}

/** The pre-started daemon, if there is one still waiting; taking it means it will be used. */
export function takePrestartedDaemon(): ChildProcess | undefined {
  const child = prestarted
  prestarted = undefined
  return child && child.exitCode === null && child.stdin?.writable ? child : undefined
}
