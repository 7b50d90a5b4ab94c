/**
 * seaweedctl as a library: `startCluster(options)` starts a local SeaweedFS cluster with the same services as
 * `seaweedctl up` (same checks, readiness and canary) and resolves once it serves. No oclif is loaded.
 *
 *   await using cluster = await startCluster({volumes: 4, dir: tmp})
 *   await fetch(`${cluster.endpoints.filer}/hello.txt`, {method: 'PUT', body: 'hi'})
 */
import {existsSync, mkdirSync, rmSync} from 'node:fs'
import {resolve} from 'node:path'

import {dismissPrestartedDaemon, prestartDaemon} from './daemon/prestart.js'
import {SeaweedctlError} from './lib/errors.js'
import type {Plan} from './plan/types.js'
import {parseDuration} from './lib/units.js'
import {type SizingOptions, weedVersionFlag} from './lib/sizing.js'
import type {ProcessKind} from './plan/types.js'
import type {StatusReport} from './supervisor/status-types.js'
import {procIdentity} from './supervisor/proc.js'
import {down, type DownResult} from './services/down.js'
import {s3Access, type S3Access} from './s3/access.js'
import {clusterEnv} from './services/env.js'
import {planFromFile} from './services/plan.js'
import {scale, type ScaleResult} from './services/scale.js'
import {statusOf} from './services/status-query.js'
import {up, type UpEvent, type UpResult} from './services/up.js'

export type {S3Access, StatusReport, UpEvent, ScaleResult, DownResult}
export {SeaweedctlError}

/** Sizing options take the names of the `up` flags and the spec's keys; portOffset defaults to 'auto'. */
export interface StartClusterOptions extends Omit<SizingOptions, 'masters'> {
  /** The cluster's directory: its seaweed.yaml and (by default) its data live here; made when missing. Default: process.cwd(). */
  dir?: string
  /** An existing spec to run instead of sizing options (relative to `dir`). Default: `<dir>/seaweed.yaml`, created when missing. */
  file?: string
  /** A new spec's master count: a raft majority needs 1, 3 or 5. */
  masters?: 1 | 3 | 5
  /** S3 buckets to create before it resolves (as `up --bucket`); they imply `s3: true` for a new spec. */
  buckets?: string[]
  /** The weed binary to run (default: $SEAWEEDCTL_WEED, the spec, the cache, PATH). */
  weed?: string
  /** Give up (and stop what was started) after this long: milliseconds or a duration such as "90s". Default 120 s. */
  timeout?: number | string
  /** Install the spec's weed version into the cache when it is missing (default true). */
  install?: boolean
  /** Return the cluster already running from this spec when its plan is the same; ignored when $CI is set. */
  reuse?: boolean
  /**
   * Stop the cluster when this process ends, however it ends (normal exit, a failed test, SIGINT, even SIGKILL):
   * the supervisor watches this process. `{purge: true}` also deletes the data directory. Default false.
   */
  stopOnExit?: boolean | {purge: boolean}
  /** Progress events, as `up` prints them. */
  onEvent?: (event: UpEvent) => void
}

export interface Cluster extends AsyncDisposable {
  name: string
  /** The spec file (created by startCluster when it did not exist). */
  specFile: string
  endpoints: {master: string; filer?: string; s3?: string}
  /** S3 endpoint and credentials, when the cluster runs a gateway with credentials. */
  s3: S3Access | undefined
  portOffset: number
  /** True when `reuse` found the cluster already running. */
  reused: boolean
  /** What `up` returned. */
  result: UpResult
  /** The variables `seaweedctl env` prints (SEAWEED_MASTER_URL, SEAWEED_FILER_URL, AWS_ENDPOINT_URL…). */
  env(): Record<string, string>
  /** What `seaweedctl status --json` prints. */
  status(): Promise<StatusReport>
  /** `seaweedctl scale KIND N`. */
  scale(kind: Exclude<ProcessKind, 'master'>, count: number, options?: {purge?: boolean; force?: boolean; timeout?: number | string}): Promise<ScaleResult>
  /** `seaweedctl down` (`purge: true`: `down --purge --yes`). */
  down(options?: {purge?: boolean}): Promise<DownResult>
  /** `await using`: down, data kept (or purged when stopOnExit asked for it). */
  [Symbol.asyncDispose](): Promise<void>
}

/** Start a cluster (or, with `reuse`, find it running) and resolve once it serves. */
export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const dir = resolve(options.dir ?? process.cwd())
  const file = resolve(dir, options.file ?? 'seaweed.yaml')
  const timeoutMs = toMs(options.timeout ?? 120_000, 'timeout')
  const stop = options.stopOnExit === undefined || options.stopOnExit === false ? undefined : {purge: options.stopOnExit !== true && options.stopOnExit.purge}
  const me = procIdentity(process.pid)
  // A test's fresh path (`join(tmp, 'cluster')`) is made here, and removed again if the cluster does not start.
  const created = options.dir !== undefined && !existsSync(dir) ? mkdirSync(dir, {recursive: true}) : undefined
  // Node's start of the daemon overlaps the plan and the checks, as the CLI's `up` does (bin/run.js).
  prestartDaemon()
  const result = await up({
    file,
    weed: options.weed,
    timeoutMs,
    wait: true,
    foreground: false,
    install: options.install ?? true,
    reuse: options.reuse,
    owner: stop && me ? {pid: process.pid, startTime: me.startTime, purge: stop.purge} : undefined,
    ...sizingOf(options),
    s3: options.s3 ?? (options.buckets?.length ? true : undefined),
    buckets: options.buckets,
    portOffset: options.portOffset ?? 'auto',
    weedVersion: options.weedVersion === undefined ? undefined : weedVersionFlag(options.weedVersion),
  }, options.onEvent).catch((error: unknown) => {
    if (created) rmSync(created, {recursive: true, force: true})
    throw error
  }).finally(dismissPrestartedDaemon)
  let plan: Plan = planFromFile(file)
  let stopped: Promise<DownResult> | undefined
  const cluster: Cluster = {
    name: result.name,
    specFile: result.specFile,
    endpoints: result.endpoints,
    s3: s3Access(plan),
    portOffset: result.portOffset,
    reused: result.reused,
    result,
    env: () => clusterEnv(plan),
    status: () => statusOf(file),
    async scale(kind, count, scaleOptions = {}) {
      const done = await scale({file, kind, count: String(count), purge: scaleOptions.purge ?? false, force: scaleOptions.force ?? false, timeoutMs: toMs(scaleOptions.timeout ?? 600_000, 'timeout')})
      plan = planFromFile(file)
      return done
    },
    down(downOptions = {}) {
      stopped ??= down({file, purge: downOptions.purge ?? false, yes: true})
      return stopped
    },
    async [Symbol.asyncDispose]() {
      await cluster.down({purge: stop?.purge ?? false})
    },
  }
  return cluster
}

function toMs(value: number | string, what: string): number {
  const ms = typeof value === 'number' ? value : parseDuration(value)
  if (ms === undefined || !(ms > 0)) throw new SeaweedctlError('BAD_ARGUMENT', `${what} ${String(value)} is not a duration; use milliseconds or e.g. "90s"`)
  return ms
}

/** The sizing part of the options, exactly the fields `up`'s flags give (SizingOptions). */
function sizingOf(o: StartClusterOptions): SizingOptions {
  return {volumes: o.volumes, filers: o.filers, masters: o.masters, s3: o.s3, replication: o.replication, racks: o.racks, dataCenters: o.dataCenters, portOffset: o.portOffset, dataDir: o.dataDir, weedVersion: o.weedVersion}
}
