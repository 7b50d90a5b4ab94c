import {spawn} from 'node:child_process'
import {closeSync, mkdirSync, openSync, writeSync} from 'node:fs'

import type {ProcessPlan} from '../plan/types.js'
import type {ExitInfo} from './state.js'
import {isAlive, procIdentity, type ProcIdentity} from './proc.js'

/** A running OS process we can signal and whose end we hear about. */
export interface ProcessHandle {
  readonly pid: number
  readonly identity: ProcIdentity | undefined
  onExit(listener: (exit: ExitInfo) => void): void
  /** Signal the whole process group (weed and anything it started). */
  signal(signal: NodeJS.Signals): void
}

export interface Launcher {
  launch(plan: ProcessPlan, weedPath: string): ProcessHandle
  adopt(identity: ProcIdentity): ProcessHandle
}

/**
 * Starts weed in its own session (so it outlives the daemon and can be signalled as a group) with stdout and
 * stderr going straight to its log file, opened for append. The daemon never sits in the output path: a
 * child can neither block on nor be killed by a full or closed pipe, and keeps running if the daemon dies.
 */
export class ProcessLauncher implements Launcher {
  launch(plan: ProcessPlan, weedPath: string): ProcessHandle {
    let fd: number | undefined
    try {
      // The log first: its folder is the cluster's, made by up, so a cluster deleted under its daemon fails here
      // and gets no empty data folder recreated for it.
      fd = openSync(plan.logFile, 'a', 0o600)
      mkdirSync(plan.dataDir, {recursive: true})
    } catch (error) {
      if (fd !== undefined) closeSync(fd)
      // No log or no data folder to start it with (say, the cluster's directory was deleted): a failed start of
      // this process, which the supervisor backs off from as from any other, not an exception that takes the
      // daemon down with it.
      const handle = new FailedHandle()
      setImmediate(() => handle.fail(error as Error))
      return handle
    }
    try {
      writeSync(fd, `--- seaweedctl: starting ${plan.name} at ${new Date().toISOString()}: ${weedPath} ${plan.args.join(' ')}\n`)
      const child = spawn(weedPath, plan.args, {cwd: plan.cwd, env: plan.env, detached: true, stdio: ['ignore', fd, fd]})
      if (child.pid === undefined) {
        // spawn failed synchronously (e.g. ENOENT); the 'error' event carries the reason.
        const handle = new FailedHandle()
        child.once('error', (e) => handle.fail(e))
        return handle
      }
      child.unref()
      const handle = new ChildHandle(child.pid, procIdentity(child.pid))
      child.once('exit', (code, signal) => handle.exited(signal ? {signal} : {code: code ?? 0}))
      return handle
    } finally {
      closeSync(fd)
    }
  }

  adopt(identity: ProcIdentity): ProcessHandle {
    return new AdoptedHandle(identity)
  }
}

class ChildHandle implements ProcessHandle {
  private listeners: Array<(exit: ExitInfo) => void> = []
  private exit: ExitInfo | undefined

  constructor(readonly pid: number, readonly identity: ProcIdentity | undefined) {}

  onExit(listener: (exit: ExitInfo) => void): void {
    if (this.exit) listener(this.exit)
    else this.listeners.push(listener)
  }

  exited(exit: ExitInfo): void {
    this.exit = exit
    for (const l of this.listeners.splice(0)) l(exit)
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exit) return
    try {
      process.kill(-this.pid, signal)
    } catch {
      try {
        process.kill(this.pid, signal)
      } catch {
        // already gone
      }
    }
  }
}

/** A process started by an earlier daemon: not our child, so its end is noticed by polling /proc. */
class AdoptedHandle extends ChildHandle {
  private readonly timer: NodeJS.Timeout

  constructor(identity: ProcIdentity) {
    super(identity.pid, identity)
    this.timer = setInterval(() => {
      if (!isAlive(this.pid)) {
        clearInterval(this.timer)
        // Not our child: the exit status is not ours to read.
        this.exited({code: -1})
      }
    }, 200)
    this.timer.unref()
  }
}

class FailedHandle extends ChildHandle {
  constructor() {
    super(-1, undefined)
  }

  fail(error: Error): void {
    this.exited({code: 127})
    void error
  }

  // There is no process (its pid is not one): nothing to signal, and -pid must never reach kill().
  override signal(): void {}
}
