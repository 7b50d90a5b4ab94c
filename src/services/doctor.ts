import {existsSync, readFileSync} from 'node:fs'
import {statfs} from 'node:fs/promises'
import {dirname, relative} from 'node:path'

import {isSeaweedctlError} from '../lib/errors.js'
import {planCluster, portsOf} from '../plan/planner.js'
import {weedFlagsFor} from './plan.js'
import {blockerOf, listeningPorts, socketHolder, writableProblem} from '../plan/preflight.js'
import type {Plan} from '../plan/types.js'
import type {ClusterSpec} from '../clusterfile/schema.js'
import {describeSource, locateWeed, readWeedVersion} from '../weed/binary.js'
import {supportVerdict} from '../weed/versions.js'
import {survivors} from './cluster.js'
import {loadSpecFile, newSpec, specExists} from './spec.js'

export interface Check {
  name: 'weed binary' | 'weed version' | 'ports' | 'file descriptors' | 'data directory' | 'disk space'
  ok: boolean
  /** What was found. */
  detail: string
  /** What to do about it (only when not ok). */
  fix?: string
}

export interface DoctorReport {
  ok: boolean
  /** The spec checked against; undefined when there is none (then the defaults of `cluster init`). */
  specFile?: string
  checks: Check[]
}

/** weed keeps a .dat and an .idx open per volume plus a socket per connection; 1024 runs out on a busy local cluster. */
export const MIN_OPEN_FILES = 4096

export interface DoctorOptions {
  file: string
  weed?: string
  env?: NodeJS.ProcessEnv
}

/** Can this machine run the cluster? Every check runs (none stops the others), each with a fix line. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env
  const loaded = specExists(options.file) ? loadSpecFile(options.file) : undefined
  const spec: ClusterSpec = loaded ? loaded.spec : newSpec(options.file, {}).spec
  const plan = planCluster(spec, loaded?.source, {weedFlags: weedFlagsFor(spec, {weedPath: options.weed, required: false})})
  const checks: Check[] = [
    ...await weedChecks(spec, options.weed, env),
    portsCheck(plan),
    fileDescriptorCheck(),
    dataDirCheck(spec),
    await diskCheck(spec),
  ]
  return {ok: checks.every((c) => c.ok), specFile: loaded?.source.file, checks}
}

async function weedChecks(spec: ClusterSpec, flag: string | undefined, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const want = spec.weed.version
  let found
  try {
    found = locateWeed({flag, specBinary: spec.weed.binary, specVersion: want, env})
  } catch (error) {
    if (!isSeaweedctlError(error)) throw error
    return [
      {name: 'weed binary', ok: false, detail: error.message.replace(/ Nothing was started\.$/, ''), fix: `seaweedctl weed install ${want}   (or pass --weed PATH)`},
      {name: 'weed version', ok: false, detail: 'no binary to ask', fix: 'fix the weed binary first'},
    ]
  }
  const binary: Check = {name: 'weed binary', ok: true, detail: `${found.path} (from ${describeSource(found.source)})`}
  let version
  try {
    version = await readWeedVersion(found.path)
  } catch (error) {
    if (!isSeaweedctlError(error)) throw error
    return [
      {...binary, ok: false, detail: error.message, fix: `point --weed at the weed executable itself, or: seaweedctl weed install ${want}`},
      {name: 'weed version', ok: false, detail: 'the binary does not answer `weed version`', fix: 'fix the weed binary first'},
    ]
  }
  const verdict = supportVerdict(version)
  if (!verdict.ok) return [binary, {name: 'weed version', ok: false, detail: verdict.reason, fix: `seaweedctl weed install ${want}`}]
  if (version.text !== want) {
    return [binary, {
      name: 'weed version', ok: false,
      detail: `weed ${version.text}, but weed.version is "${want}"`,
      fix: `seaweedctl weed install ${want}, or set weed.version: "${version.text}" in the spec`,
    }]
  }
  return [binary, {name: 'weed version', ok: true, detail: `${version.text}${verdict.warning ? ` (${verdict.warning})` : ''}`}]
}

/** Plan ports that something is listening on. Ports held by this cluster's own weed processes are fine. */
function portsCheck(plan: Plan): Check {
  const listening = listeningPorts()
  // The cluster's own processes, as its daemon recorded them (pid, start time, command line): an S3 gateway's
  // command line names no data directory, so that alone cannot tell.
  const own = new Set(survivors(plan).map((s) => s.pid))
  const taken: string[] = []
  let ours = 0
  let total = 0
  for (const p of plan.processes) {
    for (const [what, port] of portsOf(p)) {
      total++
      const listener = blockerOf(listening, p.host, port)
      if (!listener) continue
      const holder = socketHolder(listener.inode)
      if (holder && (own.has(holder.pid) || holder.command.includes(p.dataDir))) {
        ours++
        continue
      }
      taken.push(`${p.host}:${port} (${what} of ${p.name})${holder ? ` by pid ${holder.pid} ${truncate(holder.command, 60)}` : ''}`)
    }
  }
  if (taken.length > 0) {
    return {
      name: 'ports', ok: false,
      detail: `in use: ${taken.join('; ')}`,
      fix: 'stop that program, or shift this cluster\'s ports: portOffset in the spec (cluster init --port-offset N)',
    }
  }
  return {name: 'ports', ok: true, detail: `${total} ports free${ours ? ` (${ours} held by this cluster's own processes)` : ''}`}
}

/** The open-files limit weed processes inherit (Node raises its soft limit to the hard one at start). */
export function openFilesLimit(limits = '/proc/self/limits'): {soft: number; hard: number} | undefined {
  let text: string
  try {
    text = readFileSync(limits, 'utf8')
  } catch {
    return undefined
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text)
  if (!match) return undefined
  const num = (s: string) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s))
  return {soft: num(match[1]), hard: num(match[2])}
}

function fileDescriptorCheck(): Check {
  const limit = openFilesLimit()
  if (!limit) return {name: 'file descriptors', ok: true, detail: 'not measured (no /proc/self/limits on this system)'}
  if (limit.soft >= MIN_OPEN_FILES) return {name: 'file descriptors', ok: true, detail: `${limit.soft} open files per process (need ≥ ${MIN_OPEN_FILES})`}
  return {
    name: 'file descriptors', ok: false,
    detail: `${limit.soft} open files per process (hard limit ${limit.hard}); weed needs ≥ ${MIN_OPEN_FILES}`,
    fix: limit.hard >= MIN_OPEN_FILES
      ? `raise it in the shell that runs seaweedctl: ulimit -n ${Math.min(limit.hard, 65_536)} (systemd: LimitNOFILE=65536)`
      : `the hard limit is ${limit.hard} too: raise it (systemd: LimitNOFILE=65536; login sessions: nofile in /etc/security/limits.conf; containers: --ulimit nofile=65536), then ulimit -n 65536`,
  }
}

function dataDirCheck(spec: ClusterSpec): Check {
  const problem = writableProblem(spec.dataDir)
  if (problem) return {name: 'data directory', ok: false, detail: `${spec.dataDir}: ${problem}`, fix: 'choose another dataDir (cluster init --data-dir D), or fix the permissions'}
  return {name: 'data directory', ok: true, detail: `${display(spec.dataDir)} ${existsSync(spec.dataDir) ? 'is writable' : 'can be created'}`}
}

/** Each volume server needs room for at least one full volume, or it has no slot to write to. */
async function diskCheck(spec: ClusterSpec): Promise<Check> {
  let at = spec.dataDir
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at)
  const stats = await statfs(at)
  const free = Number(stats.bavail) * Number(stats.bsize)
  const need = spec.volume.count * spec.master.volumeSizeLimitMB * 1024 * 1024
  const detail = `${gb(free)} free at ${at} (need ≥ ${gb(need)}: ${spec.volume.count} volume server${spec.volume.count === 1 ? '' : 's'} × volumeSizeLimitMB ${spec.master.volumeSizeLimitMB})`
  if (free >= need) return {name: 'disk space', ok: true, detail}
  return {name: 'disk space', ok: false, detail, fix: 'free space there, move dataDir to a larger disk, or lower master.volumeSizeLimitMB in the spec'}
}

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`
const display = (path: string) => relative(process.cwd(), path) || '.'

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text
}
