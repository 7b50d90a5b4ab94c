import {relative} from 'node:path'

import {planCluster, type PlanOptions} from '../plan/planner.js'
import type {Plan} from '../plan/types.js'
import type {WeedFlags} from '../plan/weed-flags.js'
import {renderTable} from '../lib/table.js'
import type {SpecUse} from '../clusterfile/load.js'
import type {ClusterSpec, LoadedSpec} from '../clusterfile/schema.js'
import {locateWeed} from '../weed/binary.js'
import {weedFlagsOf} from '../weed/flag-table.js'
import {loadSpecFile} from './spec.js'

/** `cluster plan`: the spec's plan, refused (naming file:line:col) when this machine cannot run it. */
export async function checkedPlan(file: string): Promise<Plan> {
  const loaded = loadSpecFile(file)
  const plan = planSpec(loaded)
  const [{preflight}, {runningPorts}] = await Promise.all([import('../plan/preflight.js'), import('./cluster.js')])
  preflight(plan, {ownPorts: await runningPorts(plan), source: loaded.source})
  return plan
}

/** Load the spec and compute its plan (no machine checks). */
export function planFromFile(file: string, use: SpecUse = 'create', options: PlanOptions = {}): Plan {
  const loaded = loadSpecFile(file, use)
  // A command on an existing cluster (status, down, logs…) must work even if its weed has gone since.
  return planSpec(loaded, {...options, required: use === 'create'})
}

/** The plan of a loaded spec, its extra weed flags checked against the weed it names (see weedFlagsFor). */
export function planSpec(loaded: LoadedSpec, options: PlanOptions & {weedPath?: string; required?: boolean} = {}): Plan {
  const {weedPath, required = true, ...planOptions} = options
  return planCluster(loaded.spec, loaded.source, {...planOptions, weedFlags: planOptions.weedFlags ?? weedFlagsFor(loaded.spec, {weedPath, required})})
}

export function hasExtraArgs(spec: ClusterSpec): boolean {
  return spec.master.args.length + spec.volume.args.length + spec.filer.args.length + spec.s3.args.length + spec.processes.length > 0
}

/**
 * The flags of the spec's weed, when the spec has extra flags to check (none: weed is not even looked for).
 * `weedPath` is the binary found by the caller; otherwise it is located as `up` would (no install). Without a
 * weed it is WEED_NOT_FOUND when `required`, else only the flags' shape is checked.
 */
export function weedFlagsFor(spec: ClusterSpec, options: {weedPath?: string; required?: boolean} = {}): WeedFlags | undefined {
  if (!hasExtraArgs(spec)) return undefined
  let path = options.weedPath
  if (!path) {
    try {
      path = locateWeed({flag: undefined, specBinary: spec.weed.binary, specVersion: spec.weed.version}).path
    } catch (error) {
      if (options.required === false) return undefined
      throw error
    }
  }
  return weedFlagsOf(path, spec.weed.version)
}

export function summarisePlan(plan: Plan): string {
  const count = (kind: string) => plan.processes.filter((p) => p.kind === kind).length
  const parts = [`${count('master')} master${count('master') === 1 ? '' : 's'}`, `${count('volume')} volume server${count('volume') === 1 ? '' : 's'}`]
  if (count('filer')) parts.push(`${count('filer')} filer${count('filer') === 1 ? '' : 's'}`)
  if (count('s3')) parts.push(`${count('s3')} S3 gateway${count('s3') === 1 ? '' : 's'}`)
  return parts.join(', ')
}

export function renderPlan(plan: Plan): string {
  const rel = (p: string) => relative(process.cwd(), p) || '.'
  const rows = plan.processes.map((p) => [
    p.name, p.kind, `${p.host}:${p.ports.http}`, String(p.ports.grpc),
    p.placement ? `${p.placement.dataCenter}/${p.placement.rack}` : '',
    rel(p.dataDir),
  ])
  return [
    `cluster "${plan.name}": ${summarisePlan(plan)}; replication ${plan.replication}; weed ${plan.weedVersion}`,
    '',
    renderTable(['NAME', 'KIND', 'ADDRESS', 'GRPC', 'PLACEMENT', 'DATA'], rows),
    '',
    `logs in ${rel(plan.logDir)}/<name>.log · endpoints: master ${plan.endpoints.master}${plan.endpoints.filer ? ` · filer ${plan.endpoints.filer}` : ''}${plan.endpoints.s3 ? ` · s3 ${plan.endpoints.s3}` : ''}`,
  ].join('\n')
}
