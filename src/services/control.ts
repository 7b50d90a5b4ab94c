import {SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {closest} from '../spec/load.js'
import type {ProcessStatus} from '../supervisor/status-types.js'
import {ensureDaemon} from './cluster.js'
import {withClusterLock} from './lock.js'
import {planFromFile} from './plan.js'

export type ControlAction = 'start' | 'stop' | 'restart'

export interface ControlResult {
  action: ControlAction
  processes: ProcessStatus[]
}

/** `volume-2` → that process; `volume` → every volume server; `all` → everything. */
export function resolveTargets(plan: Plan, targets: string[]): string[] {
  const names = new Set<string>()
  for (const target of targets) {
    if (target === 'all') plan.processes.forEach((p) => names.add(p.name))
    else if (plan.processes.some((p) => p.kind === target)) plan.processes.filter((p) => p.kind === target).forEach((p) => names.add(p.name))
    else if (plan.processes.some((p) => p.name === target)) names.add(target)
    else {
      const known = [...plan.processes.map((p) => p.name), ...new Set(plan.processes.map((p) => p.kind)), 'all']
      const suggestion = closest(target, known)
      throw new SeaweedctlError('UNKNOWN_PROCESS', `no process, kind or "all" named "${target}" in cluster "${plan.name}"; nothing was changed.`, {
        hints: [suggestion ? `did you mean "${suggestion}"?` : `known: ${known.join(', ')}`],
        data: {target},
      })
    }
  }
  return [...names]
}

/**
 * Start, stop or restart processes. Returns once the targets are RUNNING (start/restart; a volume server
 * only once the master lists it again) or STOPPED (stop). A stopped process stays stopped until started.
 */
export async function control(file: string, action: ControlAction, targets: string[], timeoutMs = 120_000): Promise<ControlResult> {
  const plan = planFromFile(file, 'existing')
  const names = resolveTargets(plan, targets.length ? targets : ['all'])
  return withClusterLock(plan, action, async () => {
    const client = await ensureDaemon(plan)
    try {
      const before = await client.status()
      const pids = new Map(before!.processes.map((p) => [p.name, p.pid]))
      await client.request('POST', '/v1/control', {action, names}, timeoutMs)
      const deadline = Date.now() + timeoutMs
      let version: number | undefined
      while (true) {
        const report = (await client.next(version)) ?? (await client.status())!
        version = report.version
        const mine = report.processes.filter((p) => names.includes(p.name))
        const done = action === 'stop'
          ? mine.every((p) => p.state === 'STOPPED')
          : mine.every((p) => p.state === 'RUNNING' && (action === 'start' || p.pid !== pids.get(p.name)))
        if (done) return {action, processes: mine}
        const failed = mine.find((p) => p.state === 'FATAL')
        if (failed || Date.now() > deadline) {
          const p = failed ?? mine.find((m) => m.state !== (action === 'stop' ? 'STOPPED' : 'RUNNING'))!
          throw new SeaweedctlError(failed ? 'PROCESS_FAILED' : 'NOT_READY', `${action} ${p.name}: ${p.state}${p.health ? `, ${p.health}` : ''}`, {
            hints: [`See: seaweedctl logs ${p.name}`], data: {process: p.name, state: p.state}, nothingChanged: false,
          })
        }
      }
    } finally {
      await client.close()
    }
  })
}

/**
 * `restart --rolling`: the targets one at a time in dependency order (masters followers first, the leader last;
 * a volume server only while every volume it holds has its other replicas listed), each RUNNING again before
 * the next; the plan and weed of every process stay as they are.
 */
export async function rollingRestart(file: string, targets: string[], timeoutMs: number, say: (line: string) => void): Promise<ControlResult> {
  const filePlan = planFromFile(file)
  return withClusterLock(filePlan, 'restart --rolling', async () => {
    const {findRunningCluster} = await import('./running.js')
    const {masterUrlsOf, roll} = await import('./rolling.js')
    const cluster = await findRunningCluster(filePlan)
    if (!cluster) throw new SeaweedctlError('DAEMON_UNREACHABLE', `cluster "${filePlan.name}" is not running; nothing was changed.`, {hints: ['Start it with: seaweedctl up']})
    try {
      const {plan, weeds} = cluster.running
      const names = resolveTargets(plan, targets.length ? targets : ['all'])
      const steps = plan.processes.filter((p) => names.includes(p.name)).map((p) => ({name: p.name, plan: p, weed: weeds[p.name], previous: p, previousWeed: weeds[p.name]}))
      const {loggedSay} = await import('./oplog.js')
      await roll(cluster.client, steps, {masterUrls: masterUrlsOf(plan), timeoutMs, reason: 'rolling restart', say: loggedSay(plan.runDir, 'restart --rolling', say)})
      const report = (await cluster.client.status())!
      return {action: 'restart', processes: report.processes.filter((p) => names.includes(p.name))}
    } finally {
      await cluster.client.close()
    }
  })
}
