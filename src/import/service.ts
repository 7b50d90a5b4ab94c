import {existsSync} from 'node:fs'
import {relative, resolve} from 'node:path'

import {isSeaweedctlError, SeaweedctlError} from '../lib/errors.js'
import {writeFileAtomic} from '../lib/fs-atomic.js'
import {planCluster} from '../plan/planner.js'
import {weedFlagsFor} from '../services/plan.js'
import {locateWeed} from '../weed/binary.js'
import {weedFlagsOf} from '../weed/flag-table.js'
import type {WeedFlags} from '../plan/weed-flags.js'
import {SPEC_SCHEMA} from '../clusterfile/schema.js'
import {parseSpecText} from '../clusterfile/load.js'
import {renderSpecYaml} from '../clusterfile/render.js'
import {readSupervisorConfig, shortPath, UnsetVariableError} from './ini.js'
import type {ImportNote} from './report.js'
import {convertSupervisorConfig, type ImportedCluster, relativeDataDir} from './supervisor.js'

export interface ImportRequest {
  /** The supervisord config to read. */
  input: string
  /** The seaweed.yaml to write. */
  file: string
  force: boolean
  name?: string
}

export interface ImportResult {
  input: string
  /** Every file read (the main config and its includes). */
  read: string[]
  file: string
  overwritten: boolean
  cluster: ImportedCluster
  processes: number
  notes: ImportNote[]
}

/** Read a supervisord config, write the equivalent seaweed.yaml (validated and planned first), report the rest. */
export function importSupervisor(request: ImportRequest): ImportResult {
  const input = resolve(request.input)
  if (!existsSync(input)) {
    throw new SeaweedctlError('IMPORT_NOT_FOUND', `${request.input}: no such file; nothing was written.`, {data: {input}})
  }
  const target = resolve(request.file)
  const exists = existsSync(target)
  if (exists && !request.force) {
    throw new SeaweedctlError('SPEC_EXISTS', `${request.file} already exists; nothing was written.`, {
      hints: ['Use --force to overwrite it, or --file PATH to write another file'],
      data: {file: target},
    })
  }
  let doc
  let conversion
  try {
    doc = readSupervisorConfig(input)
    conversion = convertSupervisorConfig(doc, {name: request.name, weedFlags: localWeedFlags()})
  } catch (error) {
    if (error instanceof UnsetVariableError) {
      throw new SeaweedctlError('IMPORT_ENV_UNSET', `${error.message}; nothing was written.`, {
        hints: [`Set it as supervisord would see it: ${error.variable}=... seaweedctl import supervisor ${request.input}`],
        data: {variable: error.variable, file: error.file, line: error.line},
      })
    }
    if (isSeaweedctlError(error)) throw error
    throw new SeaweedctlError('IMPORT_SYNTAX', `${request.input}: ${(error as Error).message}; nothing was written.`, {data: {input}})
  }
  const {raw, notes, cluster} = conversion
  raw.dataDir = relativeDataDir(raw.dataDir, target)
  const header = [
    `# Imported from ${shortPath(input)} by \`seaweedctl import supervisor\`.`,
    ...(notes.length > 0 ? [`# The import reported ${notes.length} finding${notes.length === 1 ? '' : 's'}: mistakes in the source, and settings not carried over as written.`] : []),
  ]
  const text = `${header.join('\n')}\n${renderSpecYaml(raw)}`
  // The file must load and plan exactly as any hand-written one, before it is written.
  const loaded = parseSpecText(text, target)
  // Flags carried over into `args` are checked against this machine's weed when there is one.
  const plan = planCluster(loaded.spec, loaded.source, {weedFlags: weedFlagsFor(loaded.spec, {required: false})})
  writeFileAtomic(target, text)
  return {
    input, read: doc.files, file: target, overwritten: exists,
    cluster: {...cluster, dataDir: loaded.spec.dataDir},
    processes: plan.processes.length, notes,
  }
}

export function describeImport(result: ImportResult): string[] {
  const c = result.cluster
  const rel = (p: string) => relative(process.cwd(), p) || p
  const lines = [
    `${result.overwritten ? 'Overwrote' : 'Wrote'} ${rel(result.file)} from ${rel(result.input)}: ${c.masters} master${c.masters === 1 ? '' : 's'}, ${c.volumes} volume server${c.volumes === 1 ? '' : 's'}, ${c.filers} filer${c.filers === 1 ? '' : 's'}${c.s3 ? `, ${c.s3} S3 gateway${c.s3 === 1 ? '' : 's'}` : ''}; replication ${c.replication}.`,
  ]
  const groups: Array<[ImportNote['severity'], string]> = [
    ['mistake', 'Mistakes in the source (not repeated):'],
    ['changed', 'Carried over differently:'],
    ['dropped', 'Not carried over:'],
  ]
  for (const [severity, title] of groups) {
    const list = result.notes.filter((n) => n.severity === severity)
    if (list.length === 0) continue
    lines.push('', title)
    for (const n of list) lines.push(`  ${n.where}: ${n.message}`)
  }
  lines.push('', `Next: seaweedctl cluster plan --file ${rel(result.file)}`)
  return lines
}

/** The flags of the weed a new spec would run (weed.version's default), when this machine has it. */
function localWeedFlags(): WeedFlags | undefined {
  const version = SPEC_SCHEMA.fields.weed.fields.version.default
  try {
    return weedFlagsOf(locateWeed({specBinary: 'auto', specVersion: version}).path, version)
  } catch {
    return undefined
  }
}
