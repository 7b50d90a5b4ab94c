import {SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {closest} from '../clusterfile/load.js'
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
 * the next; the plan and weed of every process stay as they are. Journalled (journal.ts) before the first step:
 * Ctrl-C stops it once the process being restarted is back (exit 130), and running the same command again
 * restarts only what an interrupted (or killed) run had not.
 */
export async function rollingRestart(file: string, targets: string[], timeoutMs: number, say: (line: string) => void, signal?: AbortSignal): Promise<ControlResult> {
  const filePlan = planFromFile(file)
  const command = ['restart', '--rolling', ...targets].join(' ')
  return withClusterLock(filePlan, 'restart --rolling', async () => {
    const [{findRunningCluster}, {masterUrlsOf, orderRoll, roll, volumeServersOf}, {loggedSay}, {readJournal, newJournal}, {settlePending}, {JournalWriter, selfIdentity}, journalled] = await Promise.all([
      import('./running.js'), import('./rolling.js'), import('./oplog.js'), import('./journal.js'), import('./converge.js'), import('./journal-writer.js'), import('./journalled.js'),
    ])
    const logged = loggedSay(filePlan.runDir, command, say)
    const leftover = readJournal(filePlan.runDir)
    // Another operation left unfinished is settled first; an interrupted run of this same command is resumed.
    if (leftover && (leftover.op !== 'restart' || leftover.command !== command)) await settlePending(filePlan, logged)
    const cluster = await findRunningCluster(filePlan)
    if (!cluster) throw new SeaweedctlError('DAEMON_UNREACHABLE', `cluster "${filePlan.name}" is not running; nothing was changed.`, {hints: ['Start it with: seaweedctl up']})
    try {
      const {plan, weeds} = cluster.running
      const names = resolveTargets(plan, targets.length ? targets : ['all'])
      const done = journalled.alreadyRestarted(leftover, command, cluster.report).filter((n) => names.includes(n))
      if (done.length) logged(`resuming the interrupted \`seaweedctl ${command}\`: ${done.join(', ')} already restarted`)
      const steps = await orderRoll(plan.processes.filter((p) => names.includes(p.name) && !done.includes(p.name)).map((p) => ({name: p.name, plan: p, weed: weeds[p.name], previous: p, previousWeed: weeds[p.name]})))
      const journal = new JournalWriter(plan.runDir, newJournal('restart', command, selfIdentity(), journalled.restartSteps(steps.map((s) => s.name), done), new Date()))
      await journalled.runJournalled(journal, () => roll(cluster.client, steps, {masterUrls: masterUrlsOf(plan), volumeServers: volumeServersOf(plan), timeoutMs, reason: 'rolling restart', say: logged, signal, ordered: true, onStep: journalled.recordRoll(journal)}))
      const report = (await cluster.client.status())!
      return {action: 'restart', processes: report.processes.filter((p) => names.includes(p.name))}
    } finally {
      await cluster.client.close()
    }
  })
}
