import {chmodSync, existsSync, mkdirSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {SeaweedctlError} from '../lib/errors.js'
import type {Plan} from '../plan/types.js'
import {renderCompose} from './compose.js'
import {renderHelm} from './helm.js'
import {renderK8s} from './k8s.js'
import {renderOperator} from './operator.js'
import {prepareExport, type RenderContext} from './prepare.js'
import {renderPrometheus} from './prometheus.js'
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
  /** --bucket (helm, operator): buckets to create, besides the spec's s3.buckets. */
  buckets?: string[]
  /** systemd: the account the units run as, and where their data lives on the target host. */
  user?: string
  group?: string
  dataDir?: string
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
  /** What to do besides applying the files (create an account, a Secret…). */
  notes: string[]
}

const RENDERERS: Record<ExportTarget, (plan: Plan, context: RenderContext) => ExportRendering> = {
  supervisor: (plan, {weedPath}) => renderSupervisor(plan, {weedPath}),
  systemd: (plan, {weedPath, user, group}) => renderSystemd(plan, {weedPath, user, group}),
  compose: (plan) => renderCompose(plan),
  k8s: (plan) => renderK8s(plan),
  helm: (plan, {s3}) => renderHelm(plan, s3),
  operator: (plan, {s3}) => renderOperator(plan, s3),
  prometheus: (plan) => renderPrometheus(plan),
}

/** Plan the spec, render it for the target, and write the files (all or none refused) or return them. */
export async function exportCluster(request: ExportRequest): Promise<ExportResult> {
  const warnings: string[] = []
  const {plan, context, weed} = await prepareExport(request, warnings)
  const rendering = RENDERERS[request.target](plan, context)
  const notes = rendering.notes ?? []

  if (request.out === undefined) {
    return {
      target: request.target, cluster: plan.name, outDir: null, directories: [], weed, warnings, notes,
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
    writeFileAtomic(t.absolute, t.content, t.mode)
    // A file that existed keeps its mode through the rename of the new one; a secret must not.
    if (t.mode !== undefined) chmodSync(t.absolute, t.mode)
  }
  const directories: string[] = []
  for (const dir of rendering.prerequisites) {
    mkdirSync(dir.path, {recursive: true, mode: dir.mode})
    if (dir.mode === 0o700) chmodSync(dir.path, dir.mode)
    directories.push(dir.path)
  }
  return {
    target: request.target, cluster: plan.name, outDir, directories, weed, warnings, notes,
    files: targets.map((t) => ({path: t.absolute, kind: t.kind, bytes: Buffer.byteLength(t.content)})),
  }
}
