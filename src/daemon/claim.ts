import {openSync, readFileSync, rmSync, writeSync, closeSync} from 'node:fs'
import {join} from 'node:path'

import {procIdentity} from '../supervisor/proc.js'

export const CLAIM_FILE = 'supervisor.lock'

/** Who supervises a cluster: the daemon's pid and its start time (so a reused pid is never taken for it). */
export interface SupervisorClaim {
  pid: number
  startTime: number
  since: string
}

/**
 * One supervisor per cluster: every way of starting one (`up`, `up --foreground`, `start`, adoption after a
 * crash) takes runDir/supervisor.lock, created exclusively. A claim whose holder is gone (no such pid, or a pid
 * started at another time) is taken over; a live holder is returned, and nothing is taken.
 */
export function claimSupervision(runDir: string, pid = process.pid): {claimed: true; release: () => void} | {claimed: false; holder: SupervisorClaim} {
  const path = join(runDir, CLAIM_FILE)
  const me: SupervisorClaim = {pid, startTime: procIdentity(pid)?.startTime ?? 0, since: new Date().toISOString()}
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`)
      } finally {
        closeSync(fd)
      }
      return {claimed: true, release: () => releaseClaim(runDir, me)}
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = readClaim(runDir)
    if (holder && claimHolderAlive(holder)) return {claimed: false, holder}
    // The holder is provably gone (or the file is unreadable half-written debris): take it over.
    rmSync(path, {force: true})
  }
  const holder = readClaim(runDir)
  return {claimed: false, holder: holder ?? {pid: 0, startTime: 0, since: ''}}
}

export function readClaim(runDir: string): SupervisorClaim | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, CLAIM_FILE), 'utf8')) as SupervisorClaim
  } catch {
    return undefined
  }
}

export function claimHolderAlive(holder: SupervisorClaim): boolean {
  const live = procIdentity(holder.pid)
  return live !== undefined && live.startTime === holder.startTime
}

function releaseClaim(runDir: string, me: SupervisorClaim): void {
  const current = readClaim(runDir)
  if (current?.pid === me.pid && current.startTime === me.startTime) rmSync(join(runDir, CLAIM_FILE), {force: true})
}
