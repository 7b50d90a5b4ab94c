import {closeSync, openSync, readFileSync, readSync} from 'node:fs'

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

const statBuffer = Buffer.alloc(1024)

/**
 * The scheduler state of a live pid (field 3 of /proc/PID/stat: R, S, D, T for stopped, t traced, Z zombie…),
 * or undefined when it is gone. Three system calls and no allocation beyond the line: the liveness probes ask
 * it of every volume server every interval.
 */
export function runState(pid: number): string | undefined {
  let fd: number
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r')
  } catch {
    return undefined
  }
  try {
    const n = readSync(fd, statBuffer, 0, statBuffer.length, 0)
    // The command name (field 2) may contain spaces and parentheses: the state follows the last ')'.
    const close = statBuffer.lastIndexOf(0x29, n - 1)
    return close < 0 || close + 2 >= n ? undefined : String.fromCharCode(statBuffer[close + 2])
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}
