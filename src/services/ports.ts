import {createHash} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {SeaweedctlError} from '../lib/errors.js'
import {ephemeralRange, isEphemeral, listeningPorts} from '../plan/preflight.js'
import {portsOf} from '../plan/planner.js'
import {KIND_ORDER, type Plan} from '../plan/types.js'
import {isAlive} from '../supervisor/proc.js'
import {withLockFile} from './lock.js'

/**
 * Automatic ports (`--port-offset auto`): the first offset whose whole port set is free, claimed so that two
 * `up`s started at the same instant never take the same one. Every cluster `up` starts records a claim
 * (`<ports dir>/<hash of runDir>.json`: holder pid, runDir, ports) while it runs; the choice is made under one
 * machine-wide lock, against live claims and every listening TCP port. A claim dies with its holder (the
 * daemon, once it runs) and is removed by `down`.
 */
export const AUTO_FIRST_OFFSET = 2000
export const AUTO_OFFSET_STEP = 100
/** Instances of each kind a claim keeps room for, so a cluster can scale up without taking a neighbour's ports. */
const ROOM_PER_KIND = 20

export interface PortClaim {
  pid: number
  runDir: string
  offset: number
  ports: number[]
  since: string
}

export function portsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SEAWEEDCTL_PORTS_DIR || join(tmpdir(), `seaweedctl-${process.getuid?.() ?? 0}`, 'ports')
}

/**
 * Pick and claim a free offset: `planAt(offset)` is the plan a candidate offset gives (pure; may throw when out of
 * range); `ephemeral` is this machine's ephemeral port range (read from /proc unless given); `avoid` are ports to
 * treat as taken (found in use by a preflight after an earlier pick).
 */
export async function claimAutoOffset(runDir: string, planAt: (offset: number) => Plan, ephemeral = ephemeralRange(), avoid: ReadonlySet<number> = new Set()): Promise<{offset: number}> {
  return withPortsLock(() => {
    const taken = new Set([...avoid, ...liveClaims(runDir).flatMap((c) => c.ports), ...listeningPorts().map((l) => l.port)])
    for (let offset = AUTO_FIRST_OFFSET; ; offset += AUTO_OFFSET_STEP) {
      let plan: Plan
      try {
        plan = planAt(offset)
      } catch (error) {
        if (error instanceof SeaweedctlError && error.code === 'PLAN_PORT_RANGE') break
        throw error
      }
      const ports = claimedPorts(plan)
      // An outgoing connection may hold a port of the ephemeral range at any moment: never plan one there (preflight).
      if (ports.some((p) => taken.has(p) || (ephemeral !== undefined && isEphemeral(p, ephemeral)))) continue
      writeClaim({pid: process.pid, runDir, offset, ports, since: new Date().toISOString()})
      return {offset}
    }
    throw new SeaweedctlError('PORT_IN_USE', `no free port offset: every offset from ${AUTO_FIRST_OFFSET} up is taken by a running cluster or another program, or reaches the ephemeral port range. Nothing was changed.`, {
      hints: ['Stop a cluster (seaweedctl down), or give a fixed --port-offset N'],
    })
  })
}

/** Record the ports of a cluster started with a fixed offset, so automatic offsets keep clear of them. */
export async function claimPlanPorts(plan: Plan, offset: number): Promise<void> {
  await withPortsLock(() => writeClaim({pid: process.pid, runDir: plan.runDir, offset, ports: claimedPorts(plan), since: new Date().toISOString()}))
}

/** The daemon now holds the cluster: the claim lives as long as it does. */
export function handClaimTo(runDir: string, pid: number): void {
  const claim = readClaim(claimPath(runDir))
  if (claim) writeClaim({...claim, pid})
}

export function releaseClaim(runDir: string): void {
  rmSync(claimPath(runDir), {force: true})
}

/** Every port of the plan, plus room to scale each kind up to ROOM_PER_KIND instances (HTTP and gRPC). */
export function claimedPorts(plan: Plan): number[] {
  const out = new Set<number>()
  for (const kind of KIND_ORDER) {
    const group = plan.processes.filter((p) => p.kind === kind)
    if (group.length === 0) continue
    const first = Math.min(...group.map((p) => p.ports.http))
    const deltas = portsOf(group[0]).map(([, port]) => port - group[0].ports.http)
    for (let i = 0; i < Math.max(group.length, ROOM_PER_KIND); i++) for (const delta of deltas) out.add(first + i + delta)
    for (const p of group) for (const [, port] of portsOf(p)) out.add(port)
  }
  return [...out].sort((a, b) => a - b)
}

/** Claims whose holder is alive, other than `exceptRunDir`'s own; dead holders' claims are removed. */
export function liveClaims(exceptRunDir?: string): PortClaim[] {
  let names: string[]
  try {
    names = readdirSync(portsDir()).filter((n) => n.endsWith('.json'))
  } catch {
    return []
  }
  const out: PortClaim[] = []
  for (const name of names) {
    const path = join(portsDir(), name)
    const claim = readClaim(path)
    if (!claim) continue
    if (!isAlive(claim.pid)) {
      rmSync(path, {force: true})
      continue
    }
    if (claim.runDir !== exceptRunDir) out.push(claim)
  }
  return out
}

function withPortsLock<T>(fn: () => T): Promise<T> {
  mkdirSync(portsDir(), {recursive: true, mode: 0o700})
  return withLockFile(join(portsDir(), 'choose.lock'), 'choose ports', fn, 30_000, (holder) =>
    new SeaweedctlError('CLUSTER_LOCKED', `pid ${holder.pid} has been choosing ports since ${holder.since}; nothing was changed.`, {hints: ['Try again']}))
}

function claimPath(runDir: string): string {
  return join(portsDir(), `${createHash('sha256').update(runDir).digest('hex').slice(0, 16)}.json`)
}

function writeClaim(claim: PortClaim): void {
  mkdirSync(portsDir(), {recursive: true, mode: 0o700})
  writeFileAtomic(claimPath(claim.runDir), `${JSON.stringify(claim)}\n`, 0o600)
}

function readClaim(path: string): PortClaim | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PortClaim
  } catch {
    return undefined
  }
}
