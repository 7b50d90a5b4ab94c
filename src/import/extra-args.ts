/**
 * Weed flags of an imported program that seaweed.yaml has no key for become `args`: the flags every process of
 * a kind gives alike go to `KIND.args`, the rest to that process's `processes[]` entry. Flags seaweedctl plans
 * itself, and flags the local weed does not have, are reported instead.
 */
import {OWNED_FLAGS, type WeedFlags} from '../plan/weed-flags.js'
import {METRICS_DELTA} from '../plan/planner.js'
import type {ProcessKind} from '../plan/types.js'

export interface UnmodelledFlags {
  kind: ProcessKind
  /** The process's name in the imported spec (volume-2…). */
  name: string
  where: string
  flags: Map<string, string>
  /** Its -port and -ip, to tell a metrics port seaweedctl would plan the same. */
  port?: string
  ip?: string
}

export interface ExtraArgs {
  kindArgs: Partial<Record<ProcessKind, string[]>>
  processes: Array<{name: string; args: string[]}>
  notes: Array<{severity: 'changed' | 'dropped'; where: string; message: string}>
}

export function extraArgsOf(all: UnmodelledFlags[], weedFlags: WeedFlags | undefined): ExtraArgs {
  const out: ExtraArgs = {kindArgs: {}, processes: [], notes: []}
  const kept: Array<{p: UnmodelledFlags; args: Map<string, string>}> = []
  for (const p of all) {
    const args = new Map<string, string>()
    const dropped: string[] = []
    for (const [name, value] of p.flags) {
      if (name === 'metricsPort' || name === 'metricsIp') {
        const port = Number(p.port)
        const planned = name === 'metricsPort' ? value === String(port + METRICS_DELTA) : /^(127\.|::1$|localhost$)/.test(value) || value === p.ip
        if (!planned) out.notes.push({severity: 'changed', where: p.where, message: `-${name}=${value}: seaweedctl plans each process's metrics port (HTTP + ${METRICS_DELTA}) on its own address`})
        continue
      }
      if (OWNED_FLAGS[p.kind][name] !== undefined) dropped.push(`-${name}=${value} (seaweed.yaml sets it: ${OWNED_FLAGS[p.kind][name].replace('KIND', p.kind)})`)
      else if (weedFlags && weedFlags.table.kinds[p.kind][name] === undefined) dropped.push(`-${name}=${value} (weed ${weedFlags.table.version} has no such ${p.kind} flag)`)
      else args.set(name, value)
    }
    if (dropped.length > 0) out.notes.push({severity: 'dropped', where: p.where, message: `weed ${p.kind} flags not carried over: ${dropped.join(' ')}`})
    kept.push({p, args})
  }
  const flag = (name: string, value: string) => `-${name}=${value}`
  for (const kind of ['master', 'volume', 'filer', 's3'] as const) {
    const group = kept.filter((k) => k.p.kind === kind)
    if (group.length === 0) continue
    // Shared: the same value in every process of the kind.
    const shared = [...group[0].args].filter(([name, value]) => group.every((k) => k.args.get(name) === value))
    if (shared.length > 0) out.kindArgs[kind] = shared.map(([name, value]) => flag(name, value))
    const sharedNames = new Set(shared.map(([name]) => name))
    for (const {p, args} of group) {
      const own = [...args].filter(([name]) => !sharedNames.has(name)).map(([name, value]) => flag(name, value))
      if (own.length > 0) out.processes.push({name: p.name, args: own})
    }
    const carried = [...new Set(group.flatMap((k) => [...k.args.keys()]))]
    if (carried.length > 0) out.notes.push({severity: 'changed', where: `${kind} programs`, message: `weed flags without a seaweed.yaml key carried over as args: ${carried.map((n) => `-${n}`).join(' ')}`})
  }
  return out
}
