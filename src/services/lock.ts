import {createHash} from 'node:crypto'
import {closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {isAlive} from '../supervisor/proc.js'

export interface LockHolder {
  pid: number
  command: string
  since: string
}

/**
 * One writer at a time: commands that change a cluster (up, down, start, stop, restart) hold runDir/lock.
 * A second one waits briefly, then fails naming the holder. A lock whose holder died is taken over.
 */
export async function withClusterLock<T>(plan: Plan, command: string, fn: () => Promise<T>, waitMs = 10_000): Promise<T> {
  // The lock lives outside the cluster's directories so taking it creates nothing there (bad input changes nothing).
  return withLockFile(lockPath(plan.runDir), command, fn, waitMs, (holder) =>
    new SeaweedctlError('CLUSTER_LOCKED', `another seaweedctl command is changing cluster "${plan.name}": \`seaweedctl ${holder.command}\` (pid ${holder.pid}, since ${holder.since}). Nothing was changed.`, {
      hints: ['Wait for it to finish, then try again'],
      data: {holder},
    }))
}

/** Hold `path` (created O_EXCL, naming this pid) while `fn` runs; wait for a live holder, take over a dead one's. */
export async function withLockFile<T>(path: string, command: string, fn: () => Promise<T> | T, waitMs: number, busy: (holder: LockHolder) => Error): Promise<T> {
  mkdirSync(dirname(path), {recursive: true, mode: 0o700})
  const deadline = Date.now() + waitMs
  while (true) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, JSON.stringify({pid: process.pid, command, since: new Date().toISOString()}))
      closeSync(fd)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      let holder: LockHolder | undefined
      try {
        holder = JSON.parse(readFileSync(path, 'utf8'))
      } catch {
        holder = undefined // being written this instant, or torn: retried below
      }
      if ((holder && !isAlive(holder.pid)) || (!holder && olderThan(path, 2000))) {
        rmSync(path, {force: true})
        continue
      }
      if (holder && Date.now() > deadline) throw busy(holder)
      await new Promise((r) => setTimeout(r, holder ? 100 : 10))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(path, {force: true})
  }
}

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms
  } catch {
    return false
  }
}

export function lockPath(runDir: string): string {
  const hash = createHash('sha256').update(runDir).digest('hex').slice(0, 16)
  return join(tmpdir(), `seaweedctl-${process.getuid?.() ?? 0}`, `${hash}.lock`)
}
