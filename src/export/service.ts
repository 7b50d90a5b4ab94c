import {chmodSync, mkdirSync} from 'node:fs'
import {join, resolve} from 'node:path'

import type {Plan} from '../plan/types.js'
import {renderCompose} from './compose.js'
import {renderHelm} from './helm.js'
import {renderK8s} from './k8s.js'
import {renderOperator} from './operator.js'
import {prepareExport, type RenderContext} from './prepare.js'
import {renderPrometheus} from './prometheus.js'
import {renderSupervisor} from './supervisor.js'
import {renderSystemd} from './systemd.js'
import type {ExportRendering, ExportRequest, ExportResult, ExportTarget} from './types.js'
import {writeExportFiles} from './write.js'

const RENDERERS: Record<ExportTarget, (plan: Plan, context: RenderContext) => ExportRendering> = {
  supervisor: (plan, {weedPath, files}) => renderSupervisor(plan, {weedPath}, files),
  systemd: (plan, {weedPath, user, group, files}) => renderSystemd(plan, {weedPath, user, group}, files),
  compose: (plan, {files}) => renderCompose(plan, files),
  k8s: (plan, {files}) => renderK8s(plan, files),
  helm: (plan, {s3}) => renderHelm(plan, s3),
  operator: (plan, {s3, files}) => renderOperator(plan, s3, files),
  prometheus: (plan) => renderPrometheus(plan),
}

/** Plan the spec, render it for the target, and write the files (all or none) or return them. */
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
  const {others} = writeExportFiles(outDir, request.out, rendering.files, request.force)
  if (others.length > 0) warnings.push(`${request.out} also holds ${others.join(', ')}, which this export does not write: left as they were`)
  const targets = rendering.files.map((f) => ({...f, absolute: join(outDir, f.path)}))
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
