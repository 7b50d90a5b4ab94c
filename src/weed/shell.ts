import {spawn} from 'node:child_process'

import {SeaweedctlError} from '../lib/errors.js'

export interface ShellResult {
  stdout: string
  stderr: string
  /** Lines starting with "error:": `weed shell` exits 0 even when a command failed, so this is how failure shows. */
  errors: string[]
}

export interface ShellControl {
  /** Ends the shell and rejects with the signal's reason. */
  signal?: AbortSignal
  /** Told the shell's pid once it runs (a drain records it, so a later command can end an orphaned one). */
  started?: (pid: number) => void
}

/**
 * Run `weed shell` non-interactively against a master, commands fed on stdin. Every call is bounded: the shell
 * blocks forever without a master, and `lock` blocks until it gets the lock. Plain child_process, not execa:
 * a refusal that asks weed's dry run should not pay for loading a process library.
 */
export function runWeedShell(weedPath: string, master: string, commands: string[], timeoutMs: number, control: ShellControl = {}): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(weedPath, ['-logtostderr=false', 'shell', `-master=${master}`], {
      env: {PATH: '/usr/bin:/bin', HOME: '/nonexistent'},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    if (child.pid !== undefined) control.started?.(child.pid)
    // Interrupted: end the shell (SIGINT, as Ctrl-C in a terminal would) and report the interruption.
    const onAbort = () => child.kill('SIGINT')
    control.signal?.addEventListener('abort', onAbort, {once: true})
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new SeaweedctlError('SHELL_FAILED', `could not run weed shell (${weedPath}): ${error.message}`, {data: {commands}}))
    })
    child.on('close', () => {
      clearTimeout(timer)
      control.signal?.removeEventListener('abort', onAbort)
      if (control.signal?.aborted) {
        reject(control.signal.reason)
        return
      }
      const stdout = Buffer.concat(out).toString('utf8')
      const stderr = Buffer.concat(err).toString('utf8')
      if (timedOut) {
        reject(new SeaweedctlError('SHELL_FAILED', `weed shell did not finish within ${Math.round(timeoutMs / 1000)}s running: ${commands.join('; ')}`, {
          data: {commands, stdout, stderr},
        }))
        return
      }
      const errors = `${stdout}\n${stderr}`.split('\n').filter((l) => /^error:/.test(l.trim())).map((l) => l.trim())
      resolve({stdout, stderr, errors})
    })
    child.stdin.on('error', () => {
      // the shell exited before reading everything: its output says why
    })
    child.stdin.end(`${commands.join('\n')}\n`)
  })
}
