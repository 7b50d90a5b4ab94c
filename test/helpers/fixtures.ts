/**
 * The upstream files the Kubernetes export tests check against: the official Helm chart and the operator's CRD, at
 * pinned versions. Found the way a user outside this repository's tree can: $SEAWEEDCTL_FIXTURES, else
 * ../shared/fixtures beside the checkout, else downloaded once into .cache/fixtures (`helm pull` of the chart from
 * its public repository, the CRD from the operator's repository at the pinned commit). When none works the test
 * fails with one line naming the variable to set.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from './e2e.js'

export const CHART_VERSION = '4.44.0'
const CHART_REPO = 'https://seaweedfs.github.io/seaweedfs/helm'
const OPERATOR_COMMIT = '34425582120980930a9256808c579e57f1fdb102'
const CRD_NAME = 'seaweed.seaweedfs.com_seaweeds.yaml'
const CRD_URL = `https://raw.githubusercontent.com/seaweedfs/seaweedfs-operator/${OPERATOR_COMMIT}/config/crd/bases/${CRD_NAME}`

export interface KubeFixtures {
  /** The chart's directory (helm template NAME CHART). */
  chart: string
  /** The operator's CustomResourceDefinition of the `Seaweed` kind. */
  crd: string
}

/** A directory laid out as ../shared/fixtures: helm/seaweedfs/ and operator/<crd>. */
function inDir(dir: string): KubeFixtures {
  return {chart: join(dir, 'helm', 'seaweedfs'), crd: join(dir, 'operator', CRD_NAME)}
}

function complete(f: KubeFixtures): boolean {
  return existsSync(join(f.chart, 'Chart.yaml')) && existsSync(f.crd)
}

/** An error whose whole report is its one line (no stack: the line says what to do). */
function oneLine(message: string): Error {
  const error = new Error(message)
  error.stack = message
  return error
}

export async function kubeFixtures(helm: string): Promise<KubeFixtures> {
  const hint = `Set SEAWEEDCTL_FIXTURES to a directory with helm/seaweedfs (chart ${CHART_VERSION}) and operator/${CRD_NAME}`
  const given = process.env.SEAWEEDCTL_FIXTURES
  if (given) {
    if (complete(inDir(given))) return inDir(given)
    throw oneLine(`${hint}: SEAWEEDCTL_FIXTURES=${given} lacks helm/seaweedfs/Chart.yaml or operator/${CRD_NAME}`)
  }
  const shared = inDir(join(ROOT, '..', 'shared', 'fixtures'))
  if (complete(shared)) return shared
  const cached = inDir(join(ROOT, '.cache', 'fixtures'))
  if (complete(cached)) return cached
  const failure = await download(helm, cached)
  if (failure === undefined && complete(cached)) return cached
  throw oneLine(`${hint}: the chart and the CRD are not in ../shared/fixtures, and downloading them failed (${failure})`)
}

/** Fetch both into `into`; the reason when either fails (nothing half-written is left to be found next time). */
async function download(helm: string, into: KubeFixtures): Promise<string | undefined> {
  const base = join(into.chart, '..', '..')
  const part = `${base}.part`
  rmSync(part, {recursive: true, force: true})
  mkdirSync(join(part, 'helm'), {recursive: true})
  mkdirSync(join(part, 'operator'))
  try {
    const pull = spawnSync(helm, ['pull', 'seaweedfs', '--repo', CHART_REPO, '--version', CHART_VERSION, '--untar', '--untardir', join(part, 'helm')], {encoding: 'utf8', timeout: 120_000})
    if (pull.error) return `helm pull: ${pull.error.message}`
    // helm's error is a chain of causes ("…: dial tcp: …: network is unreachable"): the last one says it.
    if (pull.status !== 0) return `helm pull ${CHART_REPO}: ${pull.stderr.trim().split('\n').at(-1)?.split(': ').at(-1)}`
    let response: Response
    try {
      response = await fetch(CRD_URL, {signal: AbortSignal.timeout(60_000)})
    } catch (error) {
      return `${CRD_URL}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`
    }
    if (!response.ok) return `${CRD_URL}: HTTP ${response.status}`
    writeFileSync(join(part, 'operator', CRD_NAME), await response.text())
    rmSync(base, {recursive: true, force: true})
    renameSync(part, base)
    return undefined
  } finally {
    rmSync(part, {recursive: true, force: true})
  }
}
