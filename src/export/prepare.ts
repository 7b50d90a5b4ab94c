import {existsSync} from 'node:fs'
import {resolve} from 'node:path'

import {isSeaweedctlError, SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {planFromFile} from '../services/plan.js'
import {findWeed} from '../weed/binary.js'
import {bucketNames, generateS3Keys} from './kube-common.js'
import {DEFAULT_SYSTEMD_USER, DEFAULT_SYSTEMD_WEED} from './systemd.js'
import type {ProcessFileContents} from './process-files.js'
import type {ExportRequest, ExportResult, S3ExportOptions} from './types.js'

/** Exported files keep every process on the spec's bind address: on another engine each host is its own. */
const EXPORT_PLAN = {distinctVolumeHosts: false, oneHost: false}

/** Everything a renderer takes besides the plan. */
export interface RenderContext {
  weedPath: string
  s3: S3ExportOptions
  user: string
  group: string
  /** The contents of the files processes read (undefined ones are not written: printing). */
  files: ProcessFileContents
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}$/
/** Directories a reboot or tmp cleaner empties: no place for a cluster's data. */
const TEMPORARY_DIRS = /^\/(tmp|var\/tmp|dev\/shm|run)(\/|$)/

/**
 * The plan and renderer inputs for a target, from the request: the weed a host engine runs, the account and
 * data directory of systemd units, buckets and fresh S3 keys for the Kubernetes operators. Checks the flags
 * before anything is written.
 */
export async function prepareExport(request: ExportRequest, warnings: string[]): Promise<{plan: Plan; context: RenderContext; weed?: ExportResult['weed']}> {
  const prepared = await prepareTarget(request, warnings)
  return {...prepared, context: {...prepared.context, files: await fileContents(prepared.plan, request)}}
}

/**
 * The files processes read, with keys new for the export: an identity whose key the spec names (accessKey and
 * secretKeyFile) keeps it, every other gets a fresh one, and so does the SSE-S3 KEK unless the spec names a
 * kekFile; never the keys the local cluster made. The spec's
 * secret files are read (and a missing or unreadable one refused) even when printing, where nothing is written.
 */
async function fileContents(plan: Plan, request: ExportRequest): Promise<ProcessFileContents> {
  if (!plan.s3) return {}
  const {generateKey, resolveIdentities, weedS3Config} = await import('../s3/credentials.js')
  const {loadSpecFile} = await import('../services/spec.js')
  const {source} = loadSpecFile(request.file)
  const where = (key: string) => {
    const at = source.positions.get(key) ?? source.positions.get(key.replace(/\.[^.]*$/, ''))
    return source.file && at ? `${source.file}:${at.line}:${at.column}  ` : ''
  }
  const failure = {verb: 'written', where}
  const identities = resolveIdentities(plan.s3, () => generateKey(), failure)
  const config = weedS3Config(plan.s3, identities, failure)
  // The spec's own KEK when it names one (objects encrypted under it stay readable), else a new one: never the
  // key the local cluster made in its run directory.
  const {newKek, readKekFile, securityToml} = await import('../s3/sse-key.js')
  const kek = plan.s3.kekFile ? readKekFile(plan.s3.kekFile, where('s3.sse.kekFile')) : newKek()
  return request.out === undefined ? {} : {s3Identities: `${JSON.stringify(config, null, 2)}\n`, securityToml: securityToml(kek)}
}

async function prepareTarget(request: ExportRequest, warnings: string[]): Promise<{plan: Plan; context: Omit<RenderContext, 'files'>; weed?: ExportResult['weed']}> {
  const context = {weedPath: 'weed', s3: {}, user: request.user ?? DEFAULT_SYSTEMD_USER, group: request.group ?? request.user ?? DEFAULT_SYSTEMD_USER}
  switch (request.target) {
    case 'supervisor': {
      const plan = planFromFile(request.file, 'create', EXPORT_PLAN)
      const weed = await resolveWeed(plan, request.file, request.weed, warnings)
      return {plan, context: {...context, weedPath: weed.path}, weed}
    }
    case 'systemd': {
      for (const [flag, name] of [['--user', context.user], ['--group', context.group]] as const) {
        if (!ACCOUNT_NAME.test(name)) throw new SeaweedctlError('BAD_ARGUMENT', `${flag} ${JSON.stringify(name)} is not a user or group name; nothing was written.`, {hints: ['Use lower-case letters, digits, "_" and "-", starting with a letter or "_"'], data: {[flag.slice(2)]: name}})
      }
      if (context.user === 'root') warnings.push('--user root: every weed process would run as root; a dedicated account (the default, seaweedfs) limits what a compromised process can touch')
      const plan = await systemdPlan(request, warnings)
      const weed = systemdWeed(request.weed, warnings)
      return {plan, context: {...context, weedPath: weed.path}, weed}
    }
    case 'helm':
    case 'operator':
      return {plan: planFromFile(request.file, 'create', EXPORT_PLAN), context: {...context, s3: await s3Options(request, request.target === 'helm')}}
    case 'prometheus':
      // Scraped on this machine: every process at the address it really listens on.
      return {plan: planFromFile(request.file), context}
    default:
      return {plan: planFromFile(request.file, 'create', EXPORT_PLAN), context}
  }
}

/**
 * Buckets from the spec (s3.buckets, when it has them) and --bucket; for the chart's admin/read Secret, keys
 * only when they go into a 0600 file.
 */
async function s3Options(request: ExportRequest, chartKeys: boolean): Promise<S3ExportOptions> {
  for (const bucket of request.buckets ?? []) {
    if (!BUCKET_NAME.test(bucket)) {
      throw new SeaweedctlError('BAD_ARGUMENT', `--bucket ${JSON.stringify(bucket)} is not an S3 bucket name; nothing was written.`, {
        hints: ['Use 3-63 lower-case letters, digits, dots and dashes, starting and ending with a letter or digit'],
        data: {bucket},
      })
    }
  }
  const {loadSpecFile} = await import('../services/spec.js')
  const spec = loadSpecFile(request.file).spec as {s3: {buckets?: unknown}}
  const buckets = [...new Set([...bucketNames(spec.s3.buckets), ...(request.buckets ?? [])])]
  // Never to stdout: a key printed ends up in a terminal's scrollback or a CI log.
  return request.out === undefined || !chartKeys ? {buckets} : {buckets, keys: generateS3Keys()}
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
  const {weedFlagsFor} = await import('../services/plan.js')
  return planCluster({...loaded.spec, dataDir}, loaded.source, {...EXPORT_PLAN, weedFlags: weedFlagsFor(loaded.spec)})
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
