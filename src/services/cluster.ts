import {spawn} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync} from 'node:fs'
import {join} from 'node:path'

import {DaemonClient} from '../daemon/client.js'
import {DAEMON_MAIN, DAEMON_NODE_FLAGS, daemonEnvironment, takePrestartedDaemon} from '../daemon/prestart.js'
import {type ClusterOwner, DAEMON_LOG, type DaemonLaunchFile, PLAN_FILE} from '../daemon/protocol.js'
import {registryDir} from '../daemon/registry.js'
import {writeFileAtomic} from '../lib/fs-atomic.js'
import {EXIT, SeaweedctlError} from '../lib/errors.js'
import {portsOf} from '../plan/planner.js'
import type {Plan} from '../plan/types.js'
import {tailLines} from '../supervisor/diagnose.js'
import {rememberRunDir} from './running.js'
import {procIdentity, sameProcess, type ProcIdentity} from '../supervisor/proc.js'
import type {StatusReport} from '../supervisor/status-types.js'

/** Processes of this plan left running by a daemon that is gone (pid + start time + command line still match). */
export function survivors(plan: Pick<Plan, 'runDir'>): Array<{name: string} & ProcIdentity> {
  const path = join(plan.runDir, 'state.json')
  if (!existsSync(path)) return []
  try {
    // Processes that were not running when it was written have a history but no identity.
    const saved = JSON.parse(readFileSync(path, 'utf8')) as {processes: Array<{name: string} & Partial<ProcIdentity>>}
    return saved.processes.filter((p): p is {name: string} & ProcIdentity => {
      const live = p.pid === undefined ? undefined : procIdentity(p.pid)
      return live !== undefined && sameProcess(live, p as ProcIdentity)
    })
  } catch {
    return []
  }
}

/**
 * weed processes working under `dataDir` (their cwd is their own directory there) that no record names: one the
 * daemon was starting when it was killed, before it could write state.json. Only for `down --purge`, which deletes
 * that directory anyway: nothing of another cluster or user has its cwd inside it.
 */
export function unrecordedWeeds(dataDir: string, recorded: Set<number>): number[] {
  const found: number[] = []
  let root: string
  try {
    root = `${realpathSync(dataDir)}/`
  } catch {
    return found
  }
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || recorded.has(pid) || pid === process.pid) continue
    try {
      if (!readlinkSync(`/proc/${pid}/exe`).endsWith('/weed')) continue
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(root)) found.push(pid)
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}

/** Ports that our own running processes hold (so preflight does not report them as taken). */
export async function runningPorts(plan: Plan): Promise<Set<number>> {
  const names = new Set<string>()
  const client = new DaemonClient(plan.socketPath, plan.runDir)
  try {
    const report = await client.status()
    for (const p of report?.processes ?? []) if (p.pid !== null) names.add(p.name)
  } finally {
    await client.close()
  }
  for (const s of survivors(plan)) names.add(s.name)
  return new Set(plan.processes.filter((p) => names.has(p.name)).flatMap((p) => portsOf(p).map(([, port]) => port)))
}

/** Create every directory of the plan; the run directory is private (0700). */
export function createDirectories(plan: Plan): void {
  for (const dir of plan.directories) mkdirSync(dir, {recursive: true})
  mkdirSync(plan.runDir, {recursive: true, mode: 0o700})
}

/**
 * Start the daemon detached, in its own session, and wait until it answers on its socket.
 * `foreground` runs it in this process instead (for containers and systemd).
 */
export async function launchDaemon(plan: Plan, weedPath: string, options: {weeds?: DaemonLaunchFile['weeds']; owner?: ClusterOwner} = {}): Promise<DaemonClient> {
  // The owner (stopOnExit) is a promise the cluster keeps whichever daemon supervises it: one that adopts
  // running processes (after `status`, `up` or `start` found the daemon gone) keeps the last daemon's owner.
  const owner = options.owner ?? (survivors(plan).length > 0 ? lastOwner(plan.runDir) : undefined)
  const launch: DaemonLaunchFile = {plan, weedPath, ...(options.weeds ? {weeds: options.weeds} : {}), ...(owner ? {owner} : {}), registryDir: registryDir()}
  writeFileAtomic(join(plan.runDir, PLAN_FILE), `${JSON.stringify(launch)}\n`, 0o600)
  rememberRunDir(plan)
  const logPath = join(plan.runDir, DAEMON_LOG)
  let exited: number | null | undefined
  const prestarted = takePrestartedDaemon()
  if (prestarted) {
    prestarted.once('exit', (code) => {
      exited = code
    })
    prestarted.stdin!.end(`${plan.runDir}\n`)
  } else {
    spawnDaemon(plan, logPath, (code) => {
      exited = code
    })
  }
  const client = new DaemonClient(plan.socketPath, plan.runDir)
  const deadline = Date.now() + 15_000
  let fellBack = !prestarted
  while (Date.now() < deadline) {
    // Exit 5: another daemon claimed the cluster first (two commands adopting at once); use that one.
    if (exited === EXIT.busy && (await client.status())) return client
    // A pre-started daemon that died before it was told the run directory never read it: start one the plain way.
    if (exited !== undefined && exited !== EXIT.busy && !fellBack && !existsSync(plan.socketPath)) {
      fellBack = true
      exited = undefined
      spawnDaemon(plan, logPath, (code) => {
        exited = code
      })
      continue
    }
    if (exited !== undefined && exited !== EXIT.busy) break
    if (existsSync(plan.socketPath) && (await client.status())) return client
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new SeaweedctlError('DAEMON_START_FAILED', `the supervisor daemon did not start${exited !== undefined ? ` (exit code ${exited})` : ' within 15s'}:\n${tailLines(logPath, 10).join('\n')}`, {
    data: {log: logPath},
  })
}

/** The daemon started detached, in its own session, its output appended to the cluster's daemon log. */
function spawnDaemon(plan: Plan, logPath: string, onExit: (code: number | null) => void): void {
  const log = openSync(logPath, 'a', 0o600)
  try {
    const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, DAEMON_MAIN, plan.runDir], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: plan.runDir,
      env: {HOME: plan.runDir, ...daemonEnvironment()},
    })
    child.once('exit', onExit)
    child.unref()
  } finally {
    closeSync(log)
  }
}

function lastOwner(runDir: string): ClusterOwner | undefined {
  try {
    return (JSON.parse(readFileSync(join(runDir, PLAN_FILE), 'utf8')) as DaemonLaunchFile).owner
  } catch {
    return undefined
  }
}

export async function runForeground(plan: Plan, weedPath: string): Promise<void> {
  const owner = survivors(plan).length > 0 ? lastOwner(plan.runDir) : undefined
  const launch: DaemonLaunchFile = {plan, weedPath, ...(owner ? {owner} : {}), registryDir: registryDir()}
  writeFileAtomic(join(plan.runDir, PLAN_FILE), `${JSON.stringify(launch)}\n`, 0o600)
  rememberRunDir(plan)
  const {runDaemon} = await import('../daemon/main.js')
  await runDaemon(plan.runDir)
}

export async function currentStatus(plan: Plan): Promise<StatusReport | undefined> {
  const client = new DaemonClient(plan.socketPath, plan.runDir)
  try {
    return await client.status()
  } finally {
    await client.close()
  }
}

/**
 * The running daemon, or a new one when it died while weed processes of the plan kept running: the new
 * daemon adopts them (same pid, start time and command line; no restart) and starts what is gone.
 */
export async function ensureDaemon(plan: Plan): Promise<DaemonClient> {
  const client = new DaemonClient(plan.socketPath, plan.runDir)
  if (await client.status()) return client
  await client.close()
  const launchFile = join(plan.runDir, PLAN_FILE)
  // Only a cluster whose weed outlived its daemon is taken back; a stopped cluster is started by `up` alone.
  if (!existsSync(launchFile) || survivors(plan).length === 0) {
    throw new SeaweedctlError('DAEMON_UNREACHABLE', `cluster "${plan.name}" is not running; nothing was changed.`, {hints: ['Start it with: seaweedctl up']})
  }
  // What ran last (each process's own plan and weed, which differ from the file's after a half-done change).
  const last = JSON.parse(readFileSync(launchFile, 'utf8')) as DaemonLaunchFile
  return launchDaemon({...last.plan, specFile: plan.specFile}, last.weedPath, {weeds: last.weeds})
}
