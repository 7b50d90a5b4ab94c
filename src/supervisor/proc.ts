import {readFileSync} from 'node:fs'

/** Facts about a live pid from /proc, used to recognise our own processes again (never a reused pid). */
export interface ProcIdentity {
  pid: number
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTime: number
  cmdline: string[]
}

export function procIdentity(pid: number): ProcIdentity | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (rest[0] === 'Z') return undefined
    const startTime = Number(rest[19])
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    return {pid, startTime, cmdline}
  } catch {
    return undefined
  }
}

export function sameProcess(a: ProcIdentity, b: ProcIdentity): boolean {
  return a.pid === b.pid && a.startTime === b.startTime && a.cmdline.join('\0') === b.cmdline.join('\0')
}

export function isAlive(pid: number): boolean {
  return procIdentity(pid) !== undefined
}
