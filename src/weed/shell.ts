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

/** A `weed shell` kept open holding weed's admin lock, so that moves run by other shells (with -noLock) are ours alone. */
export interface HeldLock {
  pid: number | undefined
  /** Run commands in the holding shell (under the lock) and resolve with what they printed. */
  run(commands: string[], timeoutMs: number): Promise<ShellResult>
  /** Unlock and end the shell (bounded; the shell is killed if it does not end). */
  release(): Promise<void>
}

let markers = 0

/**
 * Open a shell and take weed's lock in it; resolves once the lock is held. Each batch of commands ends with an
 * unknown command as a marker: weed answers it with "unknown command: NAME" (4.30 and 4.48), so its echo says the
 * commands before it have finished. Bounded by `timeoutMs` and by the signal (the shell is then killed).
 */
export async function holdShellLock(weedPath: string, master: string, timeoutMs: number, control: ShellControl = {}): Promise<HeldLock> {
  const child = spawn(weedPath, ['-logtostderr=false', 'shell', `-master=${master}`], {env: {PATH: '/usr/bin:/bin', HOME: '/nonexistent'}, stdio: ['pipe', 'pipe', 'pipe']})
  if (child.pid !== undefined) control.started?.(child.pid)
  let out = ''
  let closed = false
  let waiter: (() => void) | undefined
  const onData = (c: Buffer) => {
    out += c.toString('utf8')
    waiter?.()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  child.stdin.on('error', () => {})
  const ended = new Promise<void>((resolve) => child.on('close', () => {
    closed = true
    waiter?.()
    resolve()
  }))
  child.on('error', () => {})
  const run = (commands: string[], ms: number): Promise<ShellResult> => {
    const marker = `seaweedctl-done-${process.pid}-${++markers}`
    const from = out.length
    child.stdin.write(`${[...commands, marker].join('\n')}\n`)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new SeaweedctlError('SHELL_FAILED', `weed shell did not finish within ${Math.round(ms / 1000)}s running: ${commands.join('; ')}`, {data: {commands, output: out.slice(from)}})), ms)
      const onAbort = () => finish(control.signal!.reason as Error)
      control.signal?.addEventListener('abort', onAbort, {once: true})
      const finish = (error?: Error) => {
        clearTimeout(timer)
        control.signal?.removeEventListener('abort', onAbort)
        waiter = undefined
        if (error) {
          child.kill('SIGKILL')
          reject(error)
          return
        }
        const text = out.slice(from)
        resolve({stdout: text, stderr: '', errors: text.split('\n').filter((l) => /^error:/.test(l.trim())).map((l) => l.trim())})
      }
      waiter = () => {
        if (out.indexOf(`unknown command: ${marker}`, from) >= 0) finish()
        else if (closed) finish(new SeaweedctlError('SHELL_FAILED', `weed shell ended while running: ${commands.join('; ')}`, {data: {commands, output: out.slice(from)}}))
      }
      if (control.signal?.aborted) onAbort()
      else waiter()
    })
  }
  const release = async () => {
    if (!closed) child.stdin.end('unlock\n')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await ended
    clearTimeout(timer)
  }
  try {
    const locked = await run(['lock'], timeoutMs)
    if (locked.errors.length > 0) throw new SeaweedctlError('SHELL_FAILED', `weed shell could not take the lock: ${locked.errors.join('; ')}`, {data: {errors: locked.errors}})
  } catch (error) {
    child.kill('SIGKILL')
    await ended
    throw error
  }
  return {pid: child.pid, run, release}
}
