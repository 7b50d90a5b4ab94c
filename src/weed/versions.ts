/**
 * Which weed flags exist in which version: the one table the planner and the shell calls consult.
 * Facts from the SeaweedFS sources (3.80, 4.00, 4.09, 4.43, 4.44) and `weed <cmd> -h` of 4.30 and 4.48.
 */

export interface WeedVersion {
  major: number
  minor: number
}

/** Oldest weed this seaweedctl drives, and the newest it knows by name. */
export const OLDEST_SUPPORTED: WeedVersion = {major: 3, minor: 80}
export const NEWEST_KNOWN: WeedVersion = {major: 4, minor: 48}

export type WeedFeature =
  /** volume server's `-master=` (before 4.00 only `-mserver=`). */
  | 'volumeMasterFlag'
  /** master `-peers=none`: single-master mode that elects itself at once. */
  | 'peersNone'
  /** master `-telemetry`: default true from 4.44, so a local cluster must pass `-telemetry=false`. */
  | 'telemetryFlag'
  /** S3 opens an Iceberg REST port (8181) unless given `-port.iceberg=0` (added in 4.09; 4.30 has it). */
  | 's3IcebergPort'
  /** S3 opens a Lance port (9101) unless given `-port.lance=0` (added in 4.43; 4.30 does not know the flag). */
  | 's3LancePort'
  /** shell: `-apply` (before: `-force`, still an alias) makes evacuate/balance/fix.replication act; 4.30 already has it. */
  | 'shellApply'
  /** shell: `volumeServer.state -maintenanceOn`. */
  | 'volumeMaintenance'
  /** master/volume/filer/s3 `/readyz`, and master `/cluster/status` that never blocks. */
  | 'nonBlockingStatus'
  /** S3 identity actions for object lock: BypassGovernanceRetention, Get/PutObjectRetention… (s3_constants/s3_actions.go). */
  | 's3ObjectLockActions'
  /** S3 identity actions PutBucketPolicy and DeleteBucketPolicy (4.41; 4.30 gates bucket policies behind Admin). */
  | 's3BucketPolicyActions'

const SINCE: Record<WeedFeature, WeedVersion> = {
  volumeMasterFlag: {major: 4, minor: 0},
  peersNone: {major: 4, minor: 0},
  telemetryFlag: {major: 4, minor: 0},
  s3IcebergPort: {major: 4, minor: 9},
  s3LancePort: {major: 4, minor: 43},
  shellApply: {major: 4, minor: 30},
  volumeMaintenance: {major: 4, minor: 13},
  nonBlockingStatus: {major: 4, minor: 30},
  s3ObjectLockActions: {major: 3, minor: 95},
  s3BucketPolicyActions: {major: 4, minor: 41},
}

export function compareVersions(a: WeedVersion, b: WeedVersion): number {
  return a.major === b.major ? a.minor - b.minor : a.major - b.major
}

export function has(version: WeedVersion, feature: WeedFeature): boolean {
  return compareVersions(version, SINCE[feature]) >= 0
}

export function parseVersionString(text: string): WeedVersion | undefined {
  const match = /^(\d+)\.(\d+)$/.exec(text.trim())
  return match ? {major: Number(match[1]), minor: Number(match[2])} : undefined
}

export function formatVersion(v: WeedVersion): string {
  return `${v.major}.${String(v.minor).padStart(2, '0')}`
}

/** Parses the first stdout line of `weed version`, e.g. "version 8000GB 4.48 pypi linux amd64". */
export function parseWeedVersionOutput(stdout: string): (WeedVersion & {sizeLimit: string; text: string}) | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('version ')) ?? ''
  const match = /^version (\d+GB) (\d+)\.(\d+)\b/.exec(line.trim())
  if (!match) return undefined
  return {sizeLimit: match[1], major: Number(match[2]), minor: Number(match[3]), text: `${match[2]}.${match[3]}`}
}

export type SupportVerdict = {ok: true; warning?: string} | {ok: false; reason: string}

export function supportVerdict(v: WeedVersion): SupportVerdict {
  if (compareVersions(v, OLDEST_SUPPORTED) < 0) {
    return {ok: false, reason: `weed ${formatVersion(v)} is older than ${formatVersion(OLDEST_SUPPORTED)}, the oldest version seaweedctl supports`}
  }
  if (compareVersions(v, NEWEST_KNOWN) > 0) {
    return {ok: true, warning: `weed ${formatVersion(v)} is newer than ${formatVersion(NEWEST_KNOWN)}; running it with the flags of ${formatVersion(NEWEST_KNOWN)}`}
  }
  return {ok: true}
}
