import {dirname, join} from 'node:path'

import {socketPathFor} from '../plan/paths.js'
import {KIND_ORDER, type Plan, type ProcessKind, type ProcessPlan} from '../plan/types.js'
import {summarisePlan} from '../services/plan.js'
import {processDirectories} from './container.js'
import {argsWithFiles, type ProcessFileContents, planFiles, processFiles, unwrittenNote, writtenFiles} from './process-files.js'
import {fill, seconds, shellQuote, template} from './template.js'
import type {ExportOptions, ExportRendering} from './types.js'

/** supervisord's own expansion: the directory of the config file, where the files processes read are written. */
const HERE = '%(here)s'
const HERE_MARK = '\u0000here\u0000'

export const SUPERVISOR_CONFIG = 'supervisord.conf'

/** supervisord priorities: lower starts first and stops last. */
export const KIND_PRIORITY: Record<ProcessKind, number> = {master: 100, volume: 200, filer: 300, s3: 400}

export const AUTORESTART = {always: 'true', 'on-failure': 'unexpected', never: 'false'} as const

/** Where supervisord keeps its socket, pid file and own log: a private directory inside the data dir. */
export function supervisorDirOf(plan: Plan): string {
  return join(plan.dataDir, 'supervisor')
}

/**
 * A supervisord config for the plan; the files processes read are written beside it (0600) and named by
 * %(here)s, so the directory can move. Pure: the same plan and options give the same text.
 */
export function renderSupervisor(plan: Plan, options: ExportOptions, contents: ProcessFileContents = {}): ExportRendering {
  const supervisorDir = supervisorDirOf(plan)
  const socket = socketPathFor(supervisorDir, 'supervisord.sock')
  const programs = plan.processes.map((p) => fill(template('supervisor/program.conf'), {
    program: p.name,
    // The mark survives quoting and escaping; %(here)s would not survive iniValue's "%" escape.
    command: iniValue(supervisorCommand({...p, args: argsWithFiles(p.args, processFiles(p, contents), (f) => `${HERE_MARK}/${f.name}`)}, options.weedPath, processDirectories(plan, p))).replaceAll(HERE_MARK, HERE),
    priority: KIND_PRIORITY[p.kind],
    autorestart: AUTORESTART[plan.supervise.restart],
    stopwaitsecs: seconds(p.stopTimeoutMs),
    logFile: iniValue(p.logFile),
    logMaxBytes: plan.logs.maxBytes,
    logBackups: plan.logs.backups,
  })).join('')
  const groups = KIND_ORDER.map((kind) => {
    const members = plan.processes.filter((p) => p.kind === kind)
    if (members.length === 0) return ''
    return fill(template('supervisor/group.conf'), {group: kind, programs: members.map((p) => p.name).join(','), priority: KIND_PRIORITY[kind]})
  }).join('')
  const content = fill(template('supervisor/supervisord.conf'), {
    name: plan.name,
    summary: summarisePlan(plan),
    source: plan.specFile ?? 'command-line flags',
    supervisorDir: iniValue(supervisorDir),
    logDir: iniValue(plan.logDir),
    socket: iniValue(socket),
    logMaxBytes: plan.logs.maxBytes,
    logBackups: plan.logs.backups,
    priorityMaster: KIND_PRIORITY.master,
    priorityVolume: KIND_PRIORITY.volume,
    priorityFiler: KIND_PRIORITY.filer,
    priorityS3: KIND_PRIORITY.s3,
    programs,
    groups,
  })
  const prerequisites = [{path: supervisorDir, mode: 0o700}, {path: plan.logDir, mode: 0o755}]
  if (dirname(socket) !== supervisorDir) prerequisites.push({path: dirname(socket), mode: 0o700})
  const files = planFiles(plan, contents)
  return {files: [{path: SUPERVISOR_CONFIG, kind: 'supervisord-config', content}, ...writtenFiles(files)], prerequisites, notes: unwrittenNote(files)}
}

/**
 * `sh -c` only to create and enter the data directory; `exec env -i` then replaces the shell with weed, so the
 * pid supervisord watches (and signals) is weed's, and weed sees no inherited variable.
 */
export function supervisorCommand(p: ProcessPlan, weedPath: string, directories: string[] = [p.dataDir]): string {
  const env = Object.entries(p.env).map(([k, v]) => shellQuote(`${k}=${v}`))
  const script = [
    `mkdir -p ${directories.map(shellQuote).join(' ')}`,
    `cd ${shellQuote(p.dataDir)}`,
    ['exec', '/usr/bin/env', '-i', ...env, shellQuote(weedPath), ...p.args.map(shellQuote)].join(' '),
  ].join(' && ')
  // supervisord splits the command with shlex: inside double quotes only \ and " need escaping.
  return `/bin/sh -c "${script.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}

/**
 * A value as supervisord reads it: `%` starts an expansion, and whitespace followed by `;` or `#` starts a
 * comment. The first is escaped; the second cannot be and is refused.
 */
export function iniValue(value: string): string {
  if (/\s[;#]/.test(value)) throw new Error(`cannot write ${JSON.stringify(value)} into a supervisord config: " ;" or " #" would start a comment`)
  if (/[\r\n]/.test(value)) throw new Error(`cannot write a value with a line break into a supervisord config: ${JSON.stringify(value)}`)
  return value.replaceAll('%', '%%')
}
