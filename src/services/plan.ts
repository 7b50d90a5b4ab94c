import {relative} from 'node:path'

import {planCluster, type PlanOptions} from '../plan/planner.js'
import type {Plan} from '../plan/types.js'
import {renderTable} from '../ui/table.js'
import type {SpecUse} from '../spec/load.js'
import {loadSpecFile} from './spec.js'

/** `cluster plan`: the spec's plan, refused (naming file:line:col) when this machine cannot run it. */
export async function checkedPlan(file: string): Promise<Plan> {
  const loaded = loadSpecFile(file)
  const plan = planCluster(loaded.spec, loaded.source)
  const [{preflight}, {runningPorts}] = await Promise.all([import('../plan/preflight.js'), import('./cluster.js')])
  preflight(plan, {ownPorts: await runningPorts(plan), source: loaded.source})
  return plan
}

/** Load the spec and compute its plan (no machine checks). */
export function planFromFile(file: string, use: SpecUse = 'create', options: PlanOptions = {}): Plan {
  const loaded = loadSpecFile(file, use)
  return planCluster(loaded.spec, loaded.source, options)
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
