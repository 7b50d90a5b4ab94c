import type {Plan, ProcessPlan} from './types.js'

/**
 * Where the cluster serves, from the processes as they run (the first of each kind), not from the plan `up`
 * started with: after a roll moved the filer, its new port. Pure.
 */
export function liveEndpoints(endpoints: Plan['endpoints'], processes: readonly Pick<ProcessPlan, 'kind' | 'ports'>[]): Plan['endpoints'] {
  const moved = (url: string | undefined, kind: ProcessPlan['kind']): string | undefined => {
    const first = processes.find((p) => p.kind === kind)
    if (!url || !first) return url
    const at = new URL(url)
    at.port = String(first.ports.http)
    return at.origin
  }
  const {master, filer, s3} = endpoints
  return {master: moved(master, 'master')!, ...(filer ? {filer: moved(filer, 'filer')} : {}), ...(s3 ? {s3: moved(s3, 's3')} : {})}
}
