import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DaemonClient} from '../daemon/client.js'
import {DAEMON_FILE, type DaemonLaunchFile, type DaemonRecord, PLAN_FILE} from '../daemon/protocol.js'
import {liveEndpoints} from '../plan/endpoints.js'
import {procIdentity} from '../supervisor/proc.js'
import {writeFileAtomic} from '../lib/fs-atomic.js'
import type {Plan} from '../plan/types.js'
import type {StatusReport} from '../supervisor/status-types.js'

/** A cluster whose daemon answers: its client, its report, and the plan each process runs now. */
export interface RunningCluster {
  client: DaemonClient
  report: StatusReport
  running: DaemonLaunchFile & {weeds: NonNullable<DaemonLaunchFile['weeds']>}
}

/**
 * The running cluster of a spec file: the one at the file's run directory, or, when the file's dataDir was
 * edited, the one the file started last (remembered by file path), so an edited dataDir is recognised and
 * refused instead of starting a second cluster. The caller closes the client.
 */
export async function findRunningCluster(filePlan: Plan): Promise<RunningCluster | undefined> {
  const runDirs = [filePlan.runDir]
  const remembered = filePlan.specFile ? rememberedRunDir(filePlan.specFile) : undefined
  if (remembered && remembered !== filePlan.runDir) runDirs.push(remembered)
  for (const runDir of runDirs) {
    const launchFile = join(runDir, PLAN_FILE)
    if (!existsSync(launchFile)) continue
    let socketPath: string
    try {
      socketPath = (JSON.parse(readFileSync(launchFile, 'utf8')) as DaemonLaunchFile).plan.socketPath
    } catch {
      continue
    }
    const client = new DaemonClient(socketPath, runDir)
    const report = await client.status()
    if (!report) {
      await client.close()
      continue
    }
    const launch = await client.request<DaemonLaunchFile>('GET', '/v1/plan')
    const weeds = launch.weeds ?? Object.fromEntries(launch.plan.processes.map((p) => [p.name, {path: launch.weedPath, version: launch.plan.weedVersion}]))
    return {client, report, running: {...launch, weeds}}
  }
  return undefined
}

/**
 * The file's plan with the endpoints of what runs, when its daemon lives (its record of each process's plan in
 * runDir/plan.json): `env` then names the filer where it really is, even mid-roll or before the file is applied.
 */
export function runningEndpoints(filePlan: Plan): Plan {
  try {
    const daemon = JSON.parse(readFileSync(join(filePlan.runDir, DAEMON_FILE), 'utf8')) as DaemonRecord
    if (procIdentity(daemon.pid)?.startTime !== daemon.startTime) return filePlan
    const running = (JSON.parse(readFileSync(join(filePlan.runDir, PLAN_FILE), 'utf8')) as DaemonLaunchFile).plan
    return {...filePlan, endpoints: liveEndpoints(running.endpoints, running.processes)}
  } catch {
    return filePlan
  }
}

/** Remember which run directory a spec file's cluster uses (written when its daemon starts). */
export function rememberRunDir(plan: Plan): void {
  if (!plan.specFile) return
  const path = pointerPath(plan.specFile)
  mkdirSync(join(path, '..'), {recursive: true, mode: 0o700})
  writeFileAtomic(path, `${JSON.stringify({specFile: plan.specFile, runDir: plan.runDir})}\n`, 0o600)
}

function rememberedRunDir(specFile: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(pointerPath(specFile), 'utf8')) as {runDir: string}).runDir
  } catch {
    return undefined
  }
}

function pointerPath(specFile: string): string {
  const hash = createHash('sha256').update(specFile).digest('hex').slice(0, 16)
  return join(tmpdir(), `seaweedctl-${process.getuid?.() ?? 0}`, `${hash}.cluster`)
}
