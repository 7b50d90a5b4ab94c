import {accessSync, constants, existsSync, readdirSync, readFileSync, readlinkSync, statSync} from 'node:fs'
import {dirname} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import type {Plan} from './types.js'

/** A listening TCP socket on this machine, from /proc/net/tcp{,6}. */
export interface Listener {
  port: number
  inode: number
}

/** Listening TCP ports, read from /proc (fast, and no probe connection that a server would log). */
export function listeningPorts(): Listener[] {
  const out: Listener[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length < 10 || cols[3] !== '0A') continue // 0A = LISTEN
      out.push({port: Number.parseInt(cols[1].split(':')[1], 16), inode: Number(cols[9])})
    }
  }
  return out
}

/** "pid 1234 (nginx)" for the process holding a socket inode, when we may look (best effort). */
export function socketHolder(inode: number): {pid: number; command: string} | undefined {
  const target = `socket:[${inode}]`
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === target) {
          const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
          return {pid: Number(entry), command}
        }
      } catch {
        // the process or fd went away: keep looking
      }
    }
  }
  return undefined
}

export interface PreflightOptions {
  /** Ports that may be listening because our own running processes hold them. */
  ownPorts?: Set<number>
}

/**
 * Facts about this machine that make a plan impossible, checked before anything starts:
 * a plan port already listening, a directory that cannot be created or written.
 */
export function preflight(plan: Plan, options: PreflightOptions = {}): void {
  const listening = new Map(listeningPorts().map((l) => [l.port, l]))
  for (const p of plan.processes) {
    for (const [what, port] of [['HTTP', p.ports.http], ['gRPC', p.ports.grpc]] as const) {
      if (options.ownPorts?.has(port)) continue
      const listener = listening.get(port)
      if (!listener) continue
      const holder = socketHolder(listener.inode)
      const by = holder ? ` by pid ${holder.pid} (${truncate(holder.command, 80)})` : ''
      throw new SeaweedctlError('PORT_IN_USE', `port ${port} (${what} of ${p.name}) is already in use${by}. Nothing was changed.`, {
        hints: ['Stop that program, or shift this cluster\'s ports with --port-offset N (portOffset in seaweed.yaml)'],
        data: {port, process: p.name, ...(holder ? {holderPid: holder.pid, holder: holder.command} : {})},
      })
    }
  }
  for (const dir of plan.directories) {
    const problem = writableProblem(dir)
    if (problem) {
      throw new SeaweedctlError('DIR_NOT_WRITABLE', `${dir}: ${problem}. Nothing was changed.`, {
        hints: ['Choose another dataDir (--data-dir), or fix the permissions'],
        data: {path: dir},
      })
    }
  }
}

/** Why `dir` cannot be used (created if missing, then written), or undefined if it can. */
export function writableProblem(dir: string): string | undefined {
  let current = dir
  while (!existsSync(current)) {
    const parent = dirname(current)
    if (parent === current) return 'no existing parent directory'
    current = parent
  }
  try {
    if (!statSync(current).isDirectory()) return current === dir ? 'exists but is not a directory' : `${current} is not a directory`
    accessSync(current, constants.W_OK | constants.X_OK)
  } catch {
    return current === dir ? 'not writable' : `cannot be created: ${current} is not writable`
  }
  return undefined
}

function truncate(text: string, n: number): string {
  text = text.replace(/\s+/g, ' ')
  return text.length > n ? `${text.slice(0, n - 1)}…` : text
}
