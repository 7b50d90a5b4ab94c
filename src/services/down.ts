import {rmSync} from 'node:fs'
import {join} from 'node:path'

import {claimHolderAlive, readClaim} from '../daemon/claim.js'
import {registryDir, unregisterCluster} from '../daemon/registry.js'
import {isSeaweedctlError, SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {DaemonClient} from '../daemon/client.js'
import {hastenFilerStop} from '../supervisor/filer-stop.js'
import {isAlive} from '../supervisor/proc.js'
import {survivors, unrecordedWeeds} from './cluster.js'
import {releaseClaim} from './ports.js'
import {withClusterLock} from './lock.js'
import {resolveTarget} from './target.js'

export interface DownOptions {
  file: string
  purge: boolean
  yes: boolean
  /** Kill a daemon that does not answer (by the pid in its lock, checked against its start time), then stop weed. */
  force?: boolean
}

export interface DownResult {
  name: string
  stopped: string[]
  wasRunning: boolean
  purged: string | null
  elapsedMs: number
  /** The daemon killed by --force (it did not answer). */
  killedDaemon: number | null
  /** Set when the running cluster was not the one the file describes now (see target.ts). */
  notice?: string
}

/** Ordered graceful stop of the cluster and its daemon. Data is kept unless --purge --yes. */
export async function down(options: DownOptions): Promise<DownResult> {
  const started = Date.now()
  const {plan, notice} = resolveTarget(options.file)
  if (options.purge && !options.yes) {
    throw new SeaweedctlError('CONFIRMATION_REQUIRED', `--purge deletes ${plan.dataDir} and every file stored in the cluster; nothing was changed.`, {
      hints: [`Add --yes to confirm: seaweedctl down --purge --yes${options.force ? ' --force' : ''}`],
      data: {dataDir: plan.dataDir},
    })
  }
  const result = await withClusterLock(plan, 'down', async () => {
    const killedDaemon = options.force ? await killHungDaemon(plan) : null
    const outcome = options.purge ? await killAndPurge(plan, started) : await stopCluster(plan, options, started)
    unregisterCluster(registryDir(), plan.runDir)
    return {...outcome, killedDaemon, wasRunning: outcome.wasRunning || killedDaemon !== null}
  })
  return notice ? {...result, notice} : result
}

/**
 * `--force`: a daemon that holds the cluster's lock (the same pid and start time, so a reused pid is never hit)
 * but does not answer is killed; weed keeps running and is stopped next by its recorded identities.
 */
async function killHungDaemon(plan: Plan): Promise<number | null> {
  const holder = readClaim(plan.runDir)
  if (!holder || !claimHolderAlive(holder)) return null
  const client = new DaemonClient(plan.socketPath, plan.runDir)
  try {
    if (await client.status()) return null
  } catch (error) {
    if (!isSeaweedctlError(error) || error.code !== 'DAEMON_UNREACHABLE') throw error
  } finally {
    await client.close()
  }
  if (!claimHolderAlive(holder)) return null
  signalGroup(holder.pid, 'SIGKILL')
  await waitForExit(holder.pid, 10_000)
  rmSync(plan.socketPath, {force: true})
  return holder.pid
}

/**
 * `down --purge --yes` deletes every byte anyway, so a graceful stop would only flush what is about to be
 * deleted: kill the daemon (so nothing restarts), then every weed of this cluster (the same pid, start time
 * and command line it recorded, so nothing else is hit), then delete the data directory.
 */
async function killAndPurge(plan: Plan, started: number): Promise<Omit<DownResult, 'killedDaemon'>> {
  const client = new DaemonClient(plan.socketPath, plan.runDir)
  let daemonPid: number | undefined
  try {
    daemonPid = (await client.status())?.daemon?.pid
  } finally {
    await client.close()
  }
  if (daemonPid !== undefined) {
    signalGroup(daemonPid, 'SIGKILL')
    await waitForExit(daemonPid, 10_000)
  }
  const victims = survivors(plan)
  for (const v of victims) signalGroup(v.pid, 'SIGKILL')
  const strays = unrecordedWeeds(plan.dataDir, new Set(victims.map((v) => v.pid)))
  for (const pid of strays) signalGroup(pid, 'SIGKILL')
  await Promise.all([...victims.map((v) => v.pid), ...strays].map((pid) => waitForExit(pid, 10_000)))
  rmSync(plan.dataDir, {recursive: true, force: true})
  rmSync(plan.socketPath, {force: true})
  return {name: plan.name, stopped: victims.map((v) => v.name), wasRunning: daemonPid !== undefined || victims.length > 0, purged: plan.dataDir, elapsedMs: Date.now() - started}
}

async function stopCluster(plan: Plan, options: DownOptions, started: number): Promise<Omit<DownResult, 'killedDaemon'>> {
  const client = new DaemonClient(plan.socketPath, plan.runDir)
  let stopped: string[] = []
  let wasRunning = false
  try {
    const report = await client.status()
    if (report) {
      wasRunning = true
      const reply = await client.request<{stopped: string[]}>('POST', '/v1/shutdown', undefined, 300_000)
      stopped = reply.stopped
      await waitForExit(report.daemon!.pid, 10_000)
    }
  } finally {
    await client.close()
  }
  // Processes whose daemon died: stop them too, in reverse start order, so no weed of this cluster remains.
  const orphans = survivors(plan)
  if (orphans.length > 0) {
    wasRunning = true
    stopped.push(...(await stopOrphans(plan, orphans)))
  }
  releaseClaim(plan.runDir)
  // The processes' history ends with `down` (as when the daemon stops them): the next `up` counts from 0, and
  // nothing stopped here is later taken for a process that exited while unsupervised.
  rmSync(join(plan.runDir, 'state.json'), {force: true})
  if (options.purge) rmSync(plan.dataDir, {recursive: true, force: true})
  return {name: plan.name, stopped, wasRunning, purged: options.purge ? plan.dataDir : null, elapsedMs: Date.now() - started}
}

async function stopOrphans(plan: Plan, orphans: Array<{name: string; pid: number}>): Promise<string[]> {
  const order = ['s3', 'filer', 'volume', 'master']
  const done: string[] = []
  for (const kind of order) {
    const group = orphans.filter((o) => plan.processes.find((p) => p.name === o.name)?.kind === kind)
    await Promise.all(group.map(async (o) => {
      const timeout = plan.processes.find((p) => p.name === o.name)!.stopTimeoutMs
      signalGroup(o.pid, 'SIGTERM')
      signalGroup(o.pid, 'SIGCONT')
      // As the daemon does: a stopping filer otherwise waits out weed's gRPC stop timeout (see filer-stop.ts).
      const planned = plan.processes.find((p) => p.name === o.name)!
      if (planned.kind === 'filer') void hastenFilerStop(planned, {alive: () => isAlive(o.pid)})
      if (!(await waitForExit(o.pid, timeout))) {
        signalGroup(o.pid, 'SIGKILL')
        await waitForExit(o.pid, 5000)
      }
      done.push(o.name)
    }))
  }
  return done
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // gone
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return !isAlive(pid)
}
