import {existsSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {claimHolderAlive, readClaim} from '../daemon/claim.js'
import {type DaemonLaunchFile, PLAN_FILE} from '../daemon/protocol.js'
import {readRegistry, registryDir, type RegistryEntry} from '../daemon/registry.js'
import {isSeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {survivors} from './cluster.js'
import {planFromFile} from './plan.js'

/**
 * The cluster a command that acts on a running cluster (`status`, `down`, `logs`) acts on: the one at the
 * file's run directory, or, when that runs nothing, the running cluster the registry has for this file (its
 * dataDir was edited since, or the file was deleted), with a notice saying so.
 */
export interface Target {
  plan: Plan
  /** Set when the running cluster is not the one the file describes now. */
  notice?: string
}

export function resolveTarget(file: string): Target {
  const specFile = resolve(file)
  let filePlan: Plan
  try {
    filePlan = planFromFile(file, 'existing')
  } catch (error) {
    // A deleted seaweed.yaml does not strand its cluster.
    const entry = isSeaweedctlError(error) && error.code === 'SPEC_NOT_FOUND' ? runningFor(specFile) : undefined
    if (!entry) throw error
    return {plan: runningPlan(entry, specFile), notice: `${file} no longer exists; cluster "${entry.name}", started from it, still runs from ${entry.runDir}: acting on it.`}
  }
  if (runsAt(filePlan.runDir)) {
    const here = readRegistry(registryDir()).find((e) => e.runDir === filePlan.runDir)
    return here && here.name !== filePlan.name
      ? {plan: filePlan, notice: `the running cluster is named "${here.name}"; ${file} names it "${filePlan.name}": acting on the running one.`}
      : {plan: filePlan}
  }
  const entry = runningFor(specFile, filePlan.runDir)
  if (!entry) return {plan: filePlan}
  const differs = [
    entry.dataDir !== filePlan.dataDir ? `its dataDir is ${entry.dataDir}, the file says ${filePlan.dataDir}` : undefined,
    entry.name !== filePlan.name ? `its name is "${entry.name}", the file says "${filePlan.name}"` : undefined,
  ].filter(Boolean)
  return {
    plan: runningPlan(entry, specFile),
    notice: `the running cluster of ${file} is elsewhere (${differs.join('; ') || `its run directory is ${entry.runDir}`}): acting on the running one.`,
  }
}

/** Whether anything of a cluster runs at `runDir`: its daemon, or weed processes it left. */
export function runsAt(runDir: string): boolean {
  const claim = readClaim(runDir)
  return (claim !== undefined && claimHolderAlive(claim)) || survivors({runDir}).length > 0
}

/** The registry's live cluster started from `specFile` (other than at `exceptRunDir`). */
function runningFor(specFile: string, exceptRunDir?: string): RegistryEntry | undefined {
  return readRegistry(registryDir()).find((e) => e.specFile === specFile && e.runDir !== exceptRunDir && existsSync(join(e.runDir, PLAN_FILE)) && runsAt(e.runDir))
}

/** What the cluster at an entry's run directory runs now (plan.json, kept current by its daemon). */
function runningPlan(entry: RegistryEntry, specFile: string): Plan {
  const launch = JSON.parse(readFileSync(join(entry.runDir, PLAN_FILE), 'utf8')) as DaemonLaunchFile
  return {...launch.plan, specFile}
}
