import {chmodSync, existsSync, mkdirSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {isSeaweedctlError, SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {planFromFile} from '../services/plan.js'
import {findWeed} from '../weed/binary.js'
import {renderCompose} from './compose.js'
import {renderK8s} from './k8s.js'
import {renderSupervisor} from './supervisor.js'
import {renderSystemd} from './systemd.js'
import type {ExportFileKind, ExportRendering, ExportTarget} from './types.js'

export interface ExportRequest {
  target: ExportTarget
  /** The spec file. */
  file: string
  /** Output directory; undefined prints to stdout. */
  out?: string
  force: boolean
  /** --weed: the weed executable the host engines run. */
  weed?: string
}

export interface ExportResult {
  target: ExportTarget
  cluster: string
  /** Absolute output directory, or null when the files went to stdout. */
  outDir: string | null
  files: Array<{path: string; kind: ExportFileKind; bytes: number; content?: string}>
  /** Directories created so the engine can start (supervisord needs its socket and log directories). */
  directories: string[]
  /** The weed executable written into host-engine files, and where it was found. */
  weed?: {path: string; source: string}
  warnings: string[]
}

const RENDERERS: Record<ExportTarget, (plan: Plan, weedPath: string) => ExportRendering> = {
  supervisor: (plan, weedPath) => renderSupervisor(plan, {weedPath}),
  systemd: (plan, weedPath) => renderSystemd(plan, {weedPath}),
  compose: (plan) => renderCompose(plan),
  k8s: (plan) => renderK8s(plan),
}

export const HOST_TARGETS: readonly ExportTarget[] = ['supervisor', 'systemd']

/** Plan the spec, render it for the target, and write the files (all or none refused) or return them. */
export async function exportCluster(request: ExportRequest): Promise<ExportResult> {
  // Exported files keep every process on the spec's bind address (their hosts are their own).
  const plan = planFromFile(request.file, {distinctVolumeHosts: false})
  const warnings: string[] = []
  let weed: ExportResult['weed']
  if (HOST_TARGETS.includes(request.target)) {
    weed = await resolveWeed(plan, request.file, request.weed, warnings)
  }
  const rendering = RENDERERS[request.target](plan, weed?.path ?? 'weed')

  if (request.out === undefined) {
    return {
      target: request.target, cluster: plan.name, outDir: null, directories: [], weed, warnings,
      files: rendering.files.map((f) => ({path: f.path, kind: f.kind, bytes: Buffer.byteLength(f.content), content: f.content})),
    }
  }

  const outDir = resolve(request.out)
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new SeaweedctlError('BAD_ARGUMENT', `${request.out} exists and is not a directory; nothing was written.`, {data: {out: outDir}})
  }
  const targets = rendering.files.map((f) => ({...f, absolute: join(outDir, f.path)}))
  const existing = targets.filter((t) => existsSync(t.absolute))
  if (existing.length > 0 && !request.force) {
    throw new SeaweedctlError('OUTPUT_EXISTS', `${existing.map((t) => t.absolute).join(', ')} already ${existing.length === 1 ? 'exists' : 'exist'}; nothing was written.`, {
      hints: ['Use --force to overwrite, or choose another directory with -o'],
      data: {files: existing.map((t) => t.absolute)},
    })
  }
  for (const t of targets) {
    mkdirSync(dirname(t.absolute), {recursive: true})
    writeFileAtomic(t.absolute, t.content)
  }
  const directories: string[] = []
  for (const dir of rendering.prerequisites) {
    mkdirSync(dir.path, {recursive: true, mode: dir.mode})
    if (dir.mode === 0o700) chmodSync(dir.path, dir.mode)
    directories.push(dir.path)
  }
  return {
    target: request.target, cluster: plan.name, outDir, directories, weed, warnings,
    files: targets.map((t) => ({path: t.absolute, kind: t.kind, bytes: Buffer.byteLength(t.content)})),
  }
}

/** --weed, else the binary seaweedctl itself would run, else plain `weed` (found on PATH by the engine). */
async function resolveWeed(plan: Plan, specFile: string, flag: string | undefined, warnings: string[]): Promise<{path: string; source: string}> {
  if (flag) {
    const path = resolve(flag)
    if (!existsSync(path)) warnings.push(`--weed ${path} does not exist on this machine; written as given`)
    return {path, source: '--weed'}
  }
  const {loadSpecFile} = await import('../services/spec.js')
  const spec = loadSpecFile(specFile).spec
  try {
    const found = await findWeed({specBinary: spec.weed.binary, specVersion: plan.weedVersion})
    return {path: found.path, source: found.source}
  } catch (error) {
    if (!isSeaweedctlError(error)) throw error
    warnings.push(`${error.message.split('\n')[0]}; the files run plain \`weed\` from PATH (pass --weed PATH to choose)`)
    return {path: 'weed', source: 'default'}
  }
}
