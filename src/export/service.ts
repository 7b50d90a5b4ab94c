import {chmodSync, existsSync, mkdirSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {isSeaweedctlError, SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {planFromFile} from '../services/plan.js'
import {findWeed} from '../weed/binary.js'
import {renderCompose} from './compose.js'
import {renderHelm} from './helm.js'
import {renderK8s} from './k8s.js'
import {bucketNames, generateS3Keys} from './kube-common.js'
import {renderOperator} from './operator.js'
import {renderSupervisor} from './supervisor.js'
import {DEFAULT_SYSTEMD_USER, DEFAULT_SYSTEMD_WEED, renderSystemd} from './systemd.js'
import type {ExportFileKind, ExportRendering, ExportTarget, S3ExportOptions} from './types.js'

export interface ExportRequest {
  target: ExportTarget
  /** The spec file. */
  file: string
  /** Output directory; undefined prints to stdout. */
  out?: string
  force: boolean
  /** --weed: the weed executable the host engines run. */
  weed?: string
  /** --bucket (helm, operator): buckets to create, besides the spec's s3.buckets. */
  buckets?: string[]
  /** systemd: the account the units run as, and where their data lives on the target host. */
  user?: string
  group?: string
  dataDir?: string
}

export interface ExportResult {
  target: ExportTarget
  cluster: string
  /** Absolute output directory, or null when the files went to stdout. */
  outDir: string | null
  files: Array<{path: string; kind: ExportFileKind; bytes: number; content?: string}>
  /** Directories created so the engine can start (supervisord needs its socket and log directories). */
  directories: string[]
  /** The weed executable written into host-engine files, and where it was found. */
  weed?: {path: string; source: string}
  warnings: string[]
  /** What to do besides applying the files (create an account, a Secret…). */
  notes: string[]
}

interface RenderContext {
  weedPath: string
  s3: S3ExportOptions
  user: string
  group: string
}

const RENDERERS: Record<ExportTarget, (plan: Plan, context: RenderContext) => ExportRendering> = {
  supervisor: (plan, {weedPath}) => renderSupervisor(plan, {weedPath}),
  systemd: (plan, {weedPath, user, group}) => renderSystemd(plan, {weedPath, user, group}),
  compose: (plan) => renderCompose(plan),
  k8s: (plan) => renderK8s(plan),
  helm: (plan, {s3}) => renderHelm(plan, s3),
  operator: (plan, {s3}) => renderOperator(plan, s3),
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** Targets that deploy elsewhere with S3 keys of their own, in a Secret file written only with -o. */
const SECRET_TARGETS: readonly ExportTarget[] = ['helm', 'operator']

export const HOST_TARGETS: readonly ExportTarget[] = ['supervisor']

const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}$/
/** Directories a reboot or tmp cleaner empties: no place for a cluster's data. */
const TEMPORARY_DIRS = /^\/(tmp|var\/tmp|dev\/shm|run)(\/|$)/

/** Plan the spec, render it for the target, and write the files (all or none refused) or return them. */
export async function exportCluster(request: ExportRequest): Promise<ExportResult> {
  const warnings: string[] = []
  const plan = request.target === 'systemd' ? await systemdPlan(request, warnings) : planFromFile(request.file)
  let weed: ExportResult['weed']
  if (HOST_TARGETS.includes(request.target)) {
    weed = await resolveWeed(plan, request.file, request.weed, warnings)
  } else if (request.target === 'systemd') {
    weed = systemdWeed(request.weed, warnings)
  }
  const user = request.user ?? DEFAULT_SYSTEMD_USER
  const group = request.group ?? user
  if (request.target === 'systemd') {
    for (const [flag, name] of [['--user', user], ['--group', group]] as const) {
      if (!ACCOUNT_NAME.test(name)) throw new SeaweedctlError('BAD_ARGUMENT', `${flag} ${JSON.stringify(name)} is not a user or group name; nothing was written.`, {hints: ['Use lower-case letters, digits, "_" and "-", starting with a letter or "_"'], data: {[flag.slice(2)]: name}})
    }
    if (user === 'root') warnings.push('--user root: every weed process would run as root; a dedicated account (the default, seaweedfs) limits what a compromised process can touch')
  }
  const s3: S3ExportOptions = {}
  if (SECRET_TARGETS.includes(request.target)) {
    const {loadSpecFile} = await import('../services/spec.js')
    const spec = loadSpecFile(request.file).spec as {s3: {buckets?: unknown}}
    for (const bucket of request.buckets ?? []) {
      if (!BUCKET_NAME.test(bucket)) {
        throw new SeaweedctlError('BAD_ARGUMENT', `--bucket ${JSON.stringify(bucket)} is not an S3 bucket name; nothing was written.`, {
          hints: ['Use 3-63 lower-case letters, digits, dots and dashes, starting and ending with a letter or digit'],
          data: {bucket},
        })
      }
    }
    s3.buckets = [...new Set([...bucketNames(spec.s3.buckets), ...(request.buckets ?? [])])]
    // Keys are generated only when they go into a 0600 file, never to stdout.
    if (request.out !== undefined) s3.keys = generateS3Keys()
  }
  const rendering = RENDERERS[request.target](plan, {weedPath: weed?.path ?? 'weed', s3, user, group})
  const notes = rendering.notes ?? []

  if (request.out === undefined) {
    return {
      target: request.target, cluster: plan.name, outDir: null, directories: [], weed, warnings, notes,
      files: rendering.files.map((f) => ({path: f.path, kind: f.kind, bytes: Buffer.byteLength(f.content), content: f.content})),
    }
  }

  const outDir = resolve(request.out)
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new SeaweedctlError('BAD_ARGUMENT', `${request.out} exists and is not a directory; nothing was written.`, {data: {out: outDir}})
  }
  const targets = rendering.files.map((f) => ({...f, absolute: join(outDir, f.path)}))
  const existing = targets.filter((t) => existsSync(t.absolute))
  if (existing.length > 0 && !request.force) {
    throw new SeaweedctlError('OUTPUT_EXISTS', `${existing.map((t) => t.absolute).join(', ')} already ${existing.length === 1 ? 'exists' : 'exist'}; nothing was written.`, {
      hints: ['Use --force to overwrite, or choose another directory with -o'],
      data: {files: existing.map((t) => t.absolute)},
    })
  }
  for (const t of targets) {
    mkdirSync(dirname(t.absolute), {recursive: true})
    writeFileAtomic(t.absolute, t.content, t.mode)
    // A file that existed keeps its mode through the rename of the new one; a secret must not.
    if (t.mode !== undefined) chmodSync(t.absolute, t.mode)
  }
  const directories: string[] = []
  for (const dir of rendering.prerequisites) {
    mkdirSync(dir.path, {recursive: true, mode: dir.mode})
    if (dir.mode === 0o700) chmodSync(dir.path, dir.mode)
    directories.push(dir.path)
  }
  return {
    target: request.target, cluster: plan.name, outDir, directories, weed, warnings, notes,
    files: targets.map((t) => ({path: t.absolute, kind: t.kind, bytes: Buffer.byteLength(t.content)})),
  }
}

/**
 * The plan as it runs on the target host: data under --data-dir (default /var/lib/seaweedfs/<name>), never a
 * temporary directory unless --force.
 */
async function systemdPlan(request: ExportRequest, warnings: string[]): Promise<Plan> {
  const {loadSpecFile} = await import('../services/spec.js')
  const {planCluster} = await import('../plan/planner.js')
  const loaded = loadSpecFile(request.file)
  const dataDir = request.dataDir ?? `/var/lib/seaweedfs/${loaded.spec.name}`
  if (!dataDir.startsWith('/')) {
    throw new SeaweedctlError('BAD_ARGUMENT', `--data-dir ${dataDir} is not an absolute path; nothing was written.`, {hints: ['Give the directory on the target host, e.g. --data-dir /srv/seaweedfs'], data: {dataDir}})
  }
  if (TEMPORARY_DIRS.test(dataDir)) {
    if (!request.force) {
      throw new SeaweedctlError('BAD_ARGUMENT', `--data-dir ${dataDir} is a temporary directory: its data would not survive a reboot or a tmp cleaner; nothing was written.`, {
        hints: ['Choose a real path, e.g. --data-dir /srv/seaweedfs (or add --force for a throwaway cluster)'],
        data: {dataDir},
      })
    }
    warnings.push(`--data-dir ${dataDir} is a temporary directory (written because of --force)`)
  }
  return planCluster({...loaded.spec, dataDir}, loaded.source)
}

/** --weed-path as given (it names the binary on the target host), default /usr/local/bin/weed. */
function systemdWeed(flag: string | undefined, warnings: string[]): {path: string; source: string} {
  const path = flag ?? DEFAULT_SYSTEMD_WEED
  if (!path.startsWith('/')) throw new SeaweedctlError('BAD_ARGUMENT', `--weed-path ${path} is not an absolute path; nothing was written.`, {data: {weedPath: path}})
  if (/\/\.cache\//.test(path) || /^\/(root|home\/[^/]+)\//.test(path)) {
    warnings.push(`--weed-path ${path} is in a home directory or cache: the ${DEFAULT_SYSTEMD_USER} account may not read it, and a cache may be cleaned; install weed to ${DEFAULT_SYSTEMD_WEED} on the target host`)
  }
  return {path, source: flag ? '--weed-path' : 'default'}
}

/** --weed, else the binary seaweedctl itself would run, else plain `weed` (found on PATH by the engine). */
async function resolveWeed(plan: Plan, specFile: string, flag: string | undefined, warnings: string[]): Promise<{path: string; source: string}> {
  if (flag) {
    const path = resolve(flag)
    if (!existsSync(path)) warnings.push(`--weed ${path} does not exist on this machine; written as given`)
    return {path, source: '--weed'}
  }
  const {loadSpecFile} = await import('../services/spec.js')
  const spec = loadSpecFile(specFile).spec
  try {
    const found = await findWeed({specBinary: spec.weed.binary, specVersion: plan.weedVersion})
    return {path: found.path, source: found.source}
  } catch (error) {
    if (!isSeaweedctlError(error)) throw error
    warnings.push(`${error.message.split('\n')[0]}; the files run plain \`weed\` from PATH (pass --weed PATH to choose)`)
    return {path: 'weed', source: 'default'}
  }
}
