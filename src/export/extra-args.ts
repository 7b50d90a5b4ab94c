/**
 * The spec's extra weed flags in the Kubernetes charts: one list per kind (Helm's `extraArgs`, the operator's
 * `extraArgs`), so only the flags every process of a kind shares can go there; a process's own flags are named
 * in a note. The Helm chart has values of its own for some flags: those are set there instead.
 */
import {parseArg} from '../plan/weed-flags.js'
import type {Plan, ProcessKind} from '../plan/types.js'

/** The flags all processes of `kind` share (in the first one's order). */
export function sharedArgsOf(plan: Plan, kind: ProcessKind): string[] {
  const group = plan.processes.filter((p) => p.kind === kind)
  if (group.length === 0) return []
  return (group[0].extraArgs ?? []).filter((arg) => group.every((p) => (p.extraArgs ?? []).includes(arg)))
}

/** A note naming each process whose own flags a per-kind list cannot carry; undefined when there are none. */
export function perProcessArgsNote(plan: Plan, file: string): string | undefined {
  const own = plan.processes.flatMap((p) => {
    const shared = new Set(sharedArgsOf(plan, p.kind))
    const rest = (p.extraArgs ?? []).filter((a) => !shared.has(a))
    return rest.length > 0 ? [`${p.name}: ${rest.join(' ')}`] : []
  })
  return own.length > 0 ? `${file} has one list of extra flags per kind; not carried over (set them per pod yourself): ${own.join('; ')}` : undefined
}

/** weed flags the Helm chart sets from values of its own, per kind: flag → values key. */
const HELM_FIELDS: Record<ProcessKind, Record<string, string>> = {
  master: {electionTimeout: 'electionTimeout', heartbeatInterval: 'heartbeatInterval', garbageThreshold: 'garbageThreshold', volumePreallocate: 'volumePreallocate', disableHttp: 'disableHttp', raftHashicorp: 'raftHashicorp', raftBootstrap: 'raftBootstrap', 'metrics.intervalSeconds': 'metricsIntervalSec'},
  volume: {index: 'index', pulseSeconds: 'pulseSeconds', fileSizeLimitMB: 'fileSizeLimitMB', compactionMBps: 'compactionMBps', readMode: 'readMode', whiteList: 'whiteList', imagesFixOrientation: 'imagesFixOrientation'},
  filer: {disableDirListing: 'disableDirListing', maxMB: 'maxMB', encryptVolumeData: 'encryptVolumeData', redirectOnRead: 'redirectOnRead', dirListLimit: 'dirListLimit', disableHttp: 'disableHttp'},
  s3: {domainName: 'domainName'},
}

/**
 * Values for one kind's section of the Helm values: the chart's own fields for the flags it has them for,
 * `extraArgs` for the rest, and `metricsPort` (0 turns the chart's metrics off when the spec has them off).
 */
export function helmArgsValues(plan: Plan, kind: ProcessKind): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const extraArgs: string[] = []
  for (const arg of sharedArgsOf(plan, kind)) {
    const {name, value} = parseArg(arg)!
    const field = HELM_FIELDS[kind][name]
    if (field) out[field] = value === undefined ? true : yamlScalar(value)
    else extraArgs.push(arg)
  }
  const first = plan.processes.find((p) => p.kind === kind)
  if (first) out.metricsPort = first.ports.metrics ?? 0
  if (extraArgs.length > 0) out.extraArgs = extraArgs
  return out
}

/** "2s" stays a string, "0.3" and "30" become numbers, "true"/"false" booleans: as the chart's values are typed. */
function yamlScalar(value: string): string | number | boolean {
  if (value === 'true' || value === 'false') return value === 'true'
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
}
