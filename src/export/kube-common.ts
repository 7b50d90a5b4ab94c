import {randomBytes} from 'node:crypto'

import type {Plan, ProcessKind, ProcessPlan} from '../plan/types.js'
import type {S3Keys} from './types.js'

/** The HTTP port of a kind's first process: in Kubernetes every pod has its own address, so one port per kind. */
export function basePortOf(plan: Plan, kind: ProcessKind): number {
  return plan.processes.find((p) => p.kind === kind)!.ports.http
}

export function countOf(plan: Plan, kind: ProcessKind): number {
  return plan.processes.filter((p) => p.kind === kind).length
}

function flagValue(process: ProcessPlan, name: string): string | undefined {
  return process.args.find((a) => a.startsWith(`-${name}=`))?.split('=')[1]
}

export function volumeSizeLimitMBOf(plan: Plan): number {
  return Number(flagValue(plan.processes.find((p) => p.kind === 'master')!, 'volumeSizeLimitMB') ?? 1024)
}

/** -max of the volume servers (0 = weed sizes it from free disk). */
export function maxVolumesOf(plan: Plan): number {
  return Number(flagValue(plan.processes.find((p) => p.kind === 'volume')!, 'max') ?? 0)
}

/** A claim size for a kind: masters and filers keep little; a volume server room for its volume slots. */
export function storageFor(plan: Plan, kind: ProcessKind): string {
  if (kind !== 'volume') return '1Gi'
  const max = maxVolumesOf(plan)
  // -max=0 sizes itself from free disk: give it room for a handful of volumes.
  const gi = Math.max(1, Math.ceil(((max > 0 ? max : 8) * volumeSizeLimitMBOf(plan)) / 1024))
  return `${gi}Gi`
}

export interface VolumeGroup {
  /** A DNS-label-safe name: rack1, dc2-rack3. */
  name: string
  dataCenter: string
  rack: string
  replicas: number
}

/** Volume servers grouped by (data center, rack), in plan order: one group per place a pod's flags name. */
export function volumeGroupsOf(plan: Plan): VolumeGroup[] {
  const groups: VolumeGroup[] = []
  const volumes = plan.processes.filter((p) => p.kind === 'volume')
  const multiDc = new Set(volumes.map((p) => p.placement?.dataCenter)).size > 1
  for (const p of volumes) {
    const dataCenter = p.placement?.dataCenter ?? 'dc1'
    const rack = p.placement?.rack ?? 'rack1'
    const group = groups.find((g) => g.dataCenter === dataCenter && g.rack === rack)
    if (group) group.replicas++
    else groups.push({name: multiDc ? `${dataCenter}-${rack}` : rack, dataCenter, rack, replicas: 1})
  }
  return groups
}

/** The Secret that holds the S3 keys; the values and the resource name it, never its content. */
export function s3SecretName(plan: Plan): string {
  return `seaweed-${plan.name}-s3`
}

export const S3_SECRET_FILE = 's3-credentials.secret.yaml'

/** Fresh keys for a deployment elsewhere: never the local cluster's own. */
export function generateS3Keys(): S3Keys {
  const key = (bytes: number) => randomBytes(bytes).toString('base64url')
  const access = () => `SW${randomBytes(9).toString('hex').toUpperCase()}`
  return {admin: {accessKey: access(), secretKey: key(30)}, read: {accessKey: access(), secretKey: key(30)}}
}

/** Bucket names as the spec may hold them (strings, or objects with a name). */
export function bucketNames(buckets: unknown): string[] {
  if (!Array.isArray(buckets)) return []
  return buckets.map((b) => (typeof b === 'string' ? b : typeof b === 'object' && b && 'name' in b ? String((b as {name: unknown}).name) : '')).filter(Boolean)
}

/** A comment block: every line prefixed with "# ". */
export function commentBlock(lines: string[]): string {
  return lines.map((l) => (l === '' ? '#' : `# ${l}`)).join('\n')
}
