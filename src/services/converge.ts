import {readFileSync} from 'node:fs'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {planCluster} from '../plan/planner.js'
import type {Plan} from '../plan/types.js'
import {setNumberInSpecText} from '../clusterfile/edit.js'
import {loadSpecFile} from '../clusterfile/load.js'
import {procIdentity} from '../supervisor/proc.js'
import {has, NEWEST_KNOWN, parseVersionString} from '../weed/versions.js'
import {inMaintenance, maintenanceOff, nodeOf} from './drain.js'
import {httpGet} from '../supervisor/probes.js'
import {SeaweedctlError} from '../lib/errors.js'
import {runWeedShell} from '../weed/shell.js'
import {clearJournal, type Journal, maintenanceNodes, readJournal, stoppedBy} from './journal.js'
import {isAliveAs} from './journal-writer.js'
import {copiesOf, type VolStatus} from './rolling.js'
import {findRunningCluster, type RunningCluster} from './running.js'

export interface Settled {
  journal: Journal
  /** Servers taken out of maintenance mode. */
  maintenanceOff: string[]
  /** Processes whose removal was recorded in the plan and seaweed.yaml. */
  removed: string[]
  /** Surplus copies an interrupted move left on a drained server, removed ("volume-4: volumes 10, 11"). */
  trimmed: string[]
}

/**
 * Settle an operation an earlier command left unfinished (it was interrupted, or killed even with -9): end the
 * weed shell it left moving volumes, turn maintenance mode off, and record in the daemon's plan and seaweed.yaml
 * the servers it already stopped. Afterwards what runs, the plan and the file agree and the journal is gone; the
 * caller then finishes (up) or undoes (scale back) the change. Call with the cluster lock held. A cluster that is
 * not running keeps its journal until it runs again.
 */
export async function settlePending(filePlan: Plan, say: (line: string) => void): Promise<Settled | undefined> {
  const journal = readJournal(filePlan.runDir)
  if (!journal) return undefined
  if (journal.pid !== process.pid && isAliveAs(journal.pid, journal.startTime)) return undefined // cannot be: it would hold the lock
  const shells = [...(journal.shell ? [journal.shell] : []), ...(journal.shells ?? [])].filter((s) => isAliveAs(s.pid, s.startTime))
  if (shells.length > 0) {
    say(`ending the weed shell${shells.length === 1 ? '' : 's'} (pid ${shells.map((s) => s.pid).join(', ')}) that \`seaweedctl ${journal.command}\` left moving volumes`)
    await Promise.all(shells.map((s) => endProcess(s.pid)))
  }
  const cluster = await findRunningCluster(filePlan)
  if (!cluster) return undefined
  try {
    const {report, running} = cluster
    const result: Settled = {journal, maintenanceOff: [], removed: [], trimmed: []}
    const live = (name: string) => report.processes.find((p) => p.name === name && p.pid !== null)
    const pending = maintenanceNodes(journal).filter((m) => live(m.process))
    const version = parseVersionString(running.weeds[pending[0]?.process]?.version ?? running.plan.weedVersion) ?? NEWEST_KNOWN
    if (pending.length > 0 && has(version, 'volumeMaintenance')) {
      await maintenanceOff(pending.map((m) => m.node), running.plan.endpoints.master.replace(/^http:\/\//, ''), running.weeds[pending[0].process]?.path ?? running.weedPath)
      result.maintenanceOff = pending.map((m) => m.process)
    }
    // Drains cut short (their server still runs): finish the move weed's shell was in the middle of.
    for (const step of journal.steps.filter((s) => s.action === 'drain' && s.state === 'active' && s.node && live(s.process))) {
      const weed = running.weeds[step.process] ?? {path: running.weedPath}
      const trimmed = await finishInterruptedMoves(step.node!, running.plan.endpoints.master, weed.path)
      if (trimmed.length) result.trimmed.push(`${step.process}: volume${trimmed.length === 1 ? '' : 's'} ${trimmed.join(', ')}`)
    }
    if (journal.scale || journal.op === 'apply') {
      // Stopped by the operation (its stop step done, or sent before the command died): forget them as scale does.
      const stopped = new Set([...stoppedBy(journal), ...journal.steps.filter((s) => s.action === 'stop' && report.processes.find((p) => p.name === s.process)?.state === 'STOPPED').map((s) => s.process)])
      const inPlan = running.plan.processes.filter((p) => stopped.has(p.name))
      if (inPlan.length > 0) {
        await cluster.client.request('POST', '/v1/reconfigure', {plan: {...running.plan, processes: running.plan.processes.filter((p) => !stopped.has(p.name))}})
        result.removed = inPlan.map((p) => p.name)
      }
      if (journal.scale) recordCount(filePlan, journal.scale, running.plan.processes.filter((p) => p.kind === journal.scale!.kind && !stopped.has(p.name)).length)
    }
    clearJournal(filePlan.runDir)
    const what = [
      result.maintenanceOff.length ? `maintenance mode off on ${result.maintenanceOff.join(', ')}` : '',
      result.removed.length ? `recorded the removal of ${result.removed.join(', ')}` : '',
      result.trimmed.length ? `finished the moves it was in the middle of (removed the drained server's surplus copy: ${result.trimmed.join('; ')})` : '',
    ].filter(Boolean)
    say(`settled the unfinished \`seaweedctl ${journal.command}\`${what.length ? `: ${what.join('; ')}` : ''}`)
    return result
  } finally {
    await cluster.client.close()
  }
}

/** seaweed.yaml's count of the scaled kind, where the interrupted scale left it (never past where it was going). */
function recordCount(filePlan: Plan, scale: NonNullable<Journal['scale']>, reached: number): void {
  const loaded = loadSpecFile(filePlan.specFile!, 'existing')
  const now = loaded.spec[scale.kind].count
  const [low, high] = [Math.min(scale.from, scale.to), Math.max(scale.from, scale.to)]
  if (now === reached || now < low || now > high) return
  const text = readFileSync(loaded.source.file!, 'utf8')
  planCluster({...loaded.spec, [scale.kind]: {...loaded.spec[scale.kind], count: reached}})
  writeFileAtomic(loaded.source.file!, setNumberInSpecText(text, [scale.kind, 'count'], reached))
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the pid is gone. */
async function endProcess(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s)
    } catch {
      // gone already
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + 5000
  while (procIdentity(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  if (procIdentity(pid)) signal('SIGKILL')
  while (procIdentity(pid) && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 50))
}

/**
 * A volume server the plan keeps should never be in weed's maintenance mode outside an operation (one left so by
 * an older seaweedctl, or by hand, takes no new volumes): `up` turns it off.
 */
export async function clearStrayMaintenance(cluster: RunningCluster, say: (line: string) => void): Promise<void> {
  const {plan, weeds, weedPath} = cluster.running
  const volumes = plan.processes.filter((p) => p.kind === 'volume' && cluster.report.processes.some((r) => r.name === p.name && r.pid !== null))
  if (volumes.length === 0) return
  const weed = weeds[volumes[0].name] ?? {path: weedPath, version: plan.weedVersion}
  const master = plan.endpoints.master.replace(/^http:\/\//, '')
  const on = await inMaintenance(volumes.map(nodeOf), master, weed.path, weed.version)
  if (!on?.length) return
  say(`turning weed's maintenance mode off on ${volumes.filter((p) => on.includes(nodeOf(p))).map((p) => p.name).join(', ')}`)
  await maintenanceOff(on, master, weed.path)
}

export type {VolStatus} from './rolling.js'

/** Volumes `node` holds a copy of beyond what their replication wants (from the master's /vol/status). Pure. */
export function surplusOn(node: string, body: VolStatus): number[] {
  const holders = new Map<number, {nodes: Set<string>; copies: number}>()
  for (const racks of Object.values(body.Volumes?.DataCenters ?? {})) {
    for (const nodes of Object.values(racks ?? {})) {
      for (const [at, volumes] of Object.entries(nodes ?? {})) {
        for (const v of volumes ?? []) {
          // No placement reported: the wanted count is unknown, and then no copy is ever called surplus.
          const copies = v.ReplicaPlacement ? copiesOf(v.ReplicaPlacement) : Number.POSITIVE_INFINITY
          const entry = holders.get(v.Id) ?? {nodes: new Set<string>(), copies}
          entry.nodes.add(at)
          holders.set(v.Id, entry)
        }
      }
    }
  }
  return [...holders].filter(([, h]) => h.nodes.has(node) && h.nodes.size > h.copies).map(([id]) => id)
}

/**
 * An interrupted `volume.move` (a drain stopped by Ctrl-C, or its shell killed) can leave a volume mounted on its
 * new server and still on the drained one: one copy more than its replication wants, which weed's placement
 * rules then refuse to move anywhere. The move's own last step was deleting the drained server's copy; this
 * does that step, only for volumes whose other copies are all listed, so the count never drops below what the
 * replication wants. Returns the volume ids trimmed.
 */
export async function finishInterruptedMoves(node: string, masterUrl: string, weedPath: string): Promise<number[]> {
  const answer = await httpGet(`${masterUrl}/vol/status`, 5000)
  if (answer.status !== 200) return []
  let body: VolStatus
  try {
    body = JSON.parse(answer.body) as VolStatus
  } catch {
    return []
  }
  const surplus = surplusOn(node, body)
  if (surplus.length === 0) return []
  const master = masterUrl.replace(/^http:\/\//, '')
  const result = await runWeedShell(weedPath, master, ['lock', ...surplus.map((id) => `volume.delete -node ${node} -volumeId ${id}`), 'unlock'], 60_000)
  if (result.errors.length > 0) {
    throw new SeaweedctlError('SHELL_FAILED', `could not remove the surplus copies of volumes ${surplus.join(', ')} from ${node} (an interrupted move left them): ${result.errors.join('; ')}`, {
      hints: [`weed shell -master=${master}, then: lock; volume.fix.replication -apply; unlock`],
      data: {node, volumes: surplus, errors: result.errors},
      nothingChanged: false,
    })
  }
  return surplus
}
