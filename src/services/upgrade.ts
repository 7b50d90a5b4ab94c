import {readFileSync} from 'node:fs'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {SeaweedctlError} from '../lib/errors.js'
import {planCluster} from '../plan/planner.js'
import {weedFlagsFor} from './plan.js'
import {setStringInSpecText} from '../clusterfile/edit.js'
import {findWeed, type WeedBinary} from '../weed/binary.js'
import {formatVersion, parseVersionString, supportVerdict} from '../weed/versions.js'
import {type ApplyResult, applyToRunning, checkApplicable} from './apply.js'
import {loggedSay} from './oplog.js'
import {withClusterLock} from './lock.js'
import {findRunningCluster} from './running.js'
import {settlePending} from './converge.js'
import {loadSpecFile} from './spec.js'

export interface UpgradeOptions {
  file: string
  version: string
  timeoutMs: number
  /** Install the version when the cache lacks it (default true). */
  install: boolean
  say: (line: string) => void
  /** Ctrl-C/SIGTERM: the roll stops once the process being restarted is back; the journal says who runs what. */
  signal?: AbortSignal
}

export interface UpgradeResult {
  from: string
  to: string
  weed: {path: string; version: string}
  /** False when the cluster was not running: only seaweed.yaml changed. */
  running: boolean
  applied: ApplyResult | null
}

/**
 * Move the cluster to another weed version: install it if missing, plan with its flags (the version table),
 * write weed.version in seaweed.yaml (nothing else in the file changes), then roll every process onto it in
 * the safe order. A failed step stops the roll with the cluster serving and says how to go back.
 */
export async function upgradeWeed(options: UpgradeOptions): Promise<UpgradeResult> {
  const parsed = parseVersionString(options.version)
  if (!parsed) throw new SeaweedctlError('BAD_ARGUMENT', `"${options.version}" is not a weed version; give MAJOR.MINOR, e.g. seaweedctl weed upgrade 4.48. Nothing was changed.`, {data: {version: options.version}})
  const verdict = supportVerdict(parsed)
  if (!verdict.ok) throw new SeaweedctlError('WEED_VERSION_UNSUPPORTED', `${verdict.reason}. Nothing was changed.`, {data: {version: options.version}})
  if (verdict.warning) options.say(`warning: ${verdict.warning}`)
  const to = formatVersion(parsed)
  const loaded = loadSpecFile(options.file)
  const from = loaded.spec.weed.version
  if (loaded.spec.weed.binary !== 'auto') {
    throw new SeaweedctlError('BAD_ARGUMENT', `${loaded.source.file} pins weed.binary to ${loaded.spec.weed.binary}; an upgrade needs weed.binary: auto (the cache holds each version). Nothing was changed.`, {hints: ['Set weed.binary to auto, or replace that binary and run seaweedctl up']})
  }
  // The version's own flags: the planner consults the version table.
  const weed = await weedOf(to, options)
  const nextSpec = {...loaded.spec, weed: {...loaded.spec.weed, version: to}}
  // The extra flags must exist in the new version too: checked against its own weed before anything moves.
  const next = planCluster(nextSpec, loaded.source, {weedFlags: weedFlagsFor(nextSpec, {weedPath: weed.path})})
  const text = readFileSync(loaded.source.file!, 'utf8')

  return withClusterLock(next, `weed upgrade ${to}`, async () => {
    const say = loggedSay(next.runDir, `weed upgrade ${to}`, options.say)
    // What an earlier command left unfinished (an upgrade interrupted half-way among them) is settled first.
    await settlePending(next, say)
    const cluster = await findRunningCluster(next)
    if (!cluster) {
      writeFileAtomic(loaded.source.file!, setStringInSpecText(text, ['weed', 'version'], to))
      options.say(`cluster "${next.name}" is not running: changed weed.version ${from} → ${to} in seaweed.yaml only; \`seaweedctl up\` starts it on weed ${to}.`)
      return {from, to, weed: {path: weed.path, version: to}, running: false, applied: null}
    }
    try {
      checkApplicable(cluster.running.plan, next)
      // Going back after an interrupted upgrade: "from" is what most processes run, not what the file says now.
      const was = runningFrom(Object.values(cluster.running.weeds).map((w) => w.version), to) ?? from
      // The file names the target first, so `diff` and `status` show where a roll that stops half-way stands.
      writeFileAtomic(loaded.source.file!, setStringInSpecText(text, ['weed', 'version'], to))
      const applied = await applyToRunning(cluster, next, {path: weed.path, version: to}, {
        timeoutMs: options.timeoutMs, say, goBack: `To go back: seaweedctl weed upgrade ${was}`, signal: options.signal,
        operation: {op: 'upgrade', command: `weed upgrade ${to}`, upgrade: {from: was, to}},
      })
      return {from: was, to, weed: {path: weed.path, version: to}, running: true, applied}
    } finally {
      await cluster.client.close()
    }
  })
}

/** The version most processes run, other than `to` (undefined when all run `to`). Pure. */
export function runningFrom(versions: string[], to: string): string | undefined {
  const counts = new Map<string, number>()
  for (const v of versions) if (v !== to) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]
}

/** The cached weed of that version, installed first when missing. */
async function weedOf(version: string, options: UpgradeOptions): Promise<WeedBinary> {
  // The version named here decides, not $SEAWEEDCTL_WEED (that would pin one binary for every version).
  const env = {...process.env, SEAWEEDCTL_WEED: undefined}
  const find = () => findWeed({specBinary: 'auto', specVersion: version, env})
  try {
    return await find()
  } catch (error) {
    if (!(error instanceof SeaweedctlError) || (error.code !== 'WEED_NOT_FOUND' && error.code !== 'WEED_VERSION_MISMATCH') || !options.install) throw error
  }
  options.say(`installing weed ${version} into the cache`)
  const {installWeed} = await import('../weed/install.js')
  await installWeed(version)
  return find()
}
