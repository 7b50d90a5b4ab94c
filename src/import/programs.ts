import {hostname} from 'node:os'
import {dirname, resolve} from 'node:path'

import {KIND_PRIORITY} from '../export/supervisor.js'
import type {ProcessKind} from '../plan/types.js'
import {expandPercent, type IniEntry, type IniSection, UnsetVariableError} from './ini.js'
import type {At, Note} from './report.js'
import {parseCommandLine, type WeedInvocation} from './weed-args.js'

/**
 * supervisord [program:…] sections as the weed processes they run: numprocs and %(…)s expanded, the command line
 * read, `weed server` taken apart into its components; and what each program key becomes.
 */

/** One weed process of a program (one of its numprocs; one component of a `weed server`). */
export interface WeedProcess {
  program: string
  processName: string
  section: IniSection
  entries: Map<string, IniEntry>
  kind: ProcessKind
  flags: Map<string, string>
  global: Map<string, string>
  cwd?: string
  line: number
  /** Flags read for the spec; the others are reported. */
  used: Set<string>
}

export const WEED_DEFAULT_PORT: Record<ProcessKind, number> = {master: 9333, volume: 8080, filer: 8888, s3: 8333}
/** weed's own defaults where a flag is absent (what the source really ran with). */
export const WEED_DEFAULT_PRESTOP = 10
export const WEED_DEFAULT_MAX = 8

/** supervisord's own defaults for [program] keys (supervisor/options.py): a key at its default says nothing. */
const SUPERVISORD_PROGRAM_DEFAULTS: Record<string, string> = {
  autostart: 'true', startsecs: '1', startretries: '3', stopsignal: 'TERM', stopwaitsecs: '10', stopasgroup: 'false',
  killasgroup: 'false', redirect_stderr: 'false', exitcodes: '0', priority: '999', autorestart: 'unexpected',
}


/**
 * What seaweedctl does by itself, for the program keys it has a behaviour for: a key with this value is carried
 * over by that behaviour (these are the values `seaweedctl export supervisor` writes).
 */
const SEAWEEDCTL_PROGRAM_BEHAVIOUR: Record<string, string> = {
  autostart: 'true', startsecs: '1', startretries: '5', stopsignal: 'TERM', stopasgroup: 'true', killasgroup: 'true',
  redirect_stderr: 'true', exitcodes: '0',
}

/** Program settings that say nothing seaweed.yaml can hold, with why. */
export const PROGRAM_KEY_REASON: Record<string, string> = {
  directory: 'seaweedctl runs each process in its own data directory',
  startsecs: 'seaweedctl waits for readiness probes, not for time to pass',
  startretries: 'seaweedctl restarts with exponential backoff',
  autostart: 'every process of the spec starts with `seaweedctl up`',
  user: 'seaweedctl runs weed as the user who runs it',
  redirect_stderr: 'seaweedctl always captures stdout and stderr together',
  stdout_logfile: 'logs go to dataDir/logs/<name>.log',
  stderr_logfile: 'logs go to dataDir/logs/<name>.log',
  priority: 'seaweedctl starts masters, volume servers, filers, S3 in that order, each once the previous kind is ready',
  stopsignal: 'seaweedctl stops with SIGTERM',
  stopwaitsecs: 'seaweedctl derives stop timeouts from each kind (volume: preStopSeconds plus a drain margin)',
  stopasgroup: 'seaweedctl signals the whole process group',
  killasgroup: 'seaweedctl signals the whole process group',
  exitcodes: 'seaweedctl treats exit 0 as a clean stop',
  environment: 'seaweedctl starts weed with a clean environment',
  umask: 'not configurable',
}

/**
 * Is a program key at a value seaweedctl's own behaviour provides (so nothing is lost)? Its supervisord default
 * counts only where seaweedctl behaves the same; a priority is carried by the start order of kinds; a stop
 * wait no longer than seaweedctl's own; the log file where seaweedctl writes it.
 */
export function carriedByBehaviour(p: WeedProcess, key: string, value: string, dataDir: string, all: WeedProcess[]): boolean {
  if (SEAWEEDCTL_PROGRAM_BEHAVIOUR[key] !== undefined) return value.toLowerCase() === SEAWEEDCTL_PROGRAM_BEHAVIOUR[key].toLowerCase()
  switch (key) {
    case 'priority':
      return value === SUPERVISORD_PROGRAM_DEFAULTS.priority || Number(value) === KIND_PRIORITY[p.kind]
    case 'stopwaitsecs': {
      const preStop = Number(p.flags.get('preStopSeconds') ?? WEED_DEFAULT_PRESTOP)
      const own = {master: 10, volume: preStop + 30, filer: 30, s3: 10}[p.kind]
      return Number(value) <= own
    }
    case 'stdout_logfile':
      return resolve(value) === resolve(dataDir, 'logs', `${p.kind}-${indexOf(all, p)}.log`)
    default:
      return false
  }
}

export function expandProgram(
  section: IniSection,
  envVars: Record<string, string>,
  note: Note,
  at: At,
): WeedProcess[] {
  const program = section.name.slice('program:'.length)
  const entry = (k: string) => section.entries.find((e) => e.key === k)
  const numprocs = Number(entry('numprocs')?.value ?? 1)
  const start = Number(entry('numprocs_start')?.value ?? 0)
  const processNameTemplate = entry('process_name')?.value ?? '%(program_name)s'
  if (!Number.isInteger(numprocs) || numprocs < 1 || !Number.isInteger(start)) {
    note('mistake', at(section, entry('numprocs')?.line), `numprocs=${entry('numprocs')?.value} / numprocs_start=${entry('numprocs_start')?.value ?? 0} are not usable counts; the program is skipped`)
    return []
  }
  if (numprocs > 1 && !processNameTemplate.includes('%(process_num)')) {
    note('mistake', at(section), `numprocs=${numprocs} but process_name has no %(process_num): supervisord refuses this program`)
  }
  const out: WeedProcess[] = []
  for (let n = start; n < start + numprocs; n++) {
    const vars: Record<string, string | number> = {
      ...envVars, program_name: program, group_name: program, process_num: n, numprocs, here: dirname(section.file), host_node_name: hostname(),
    }
    const unknown = new Set<string>()
    const entries = new Map<string, IniEntry>()
    for (const e of section.entries) {
      entries.set(e.key, {...e, value: expandPercent(e.value, vars, (name) => unknown.add(name))})
    }
    for (const name of unknown) {
      const entry = section.entries.find((e) => e.value.includes(`%(${name})`))
      // supervisord expands it from its own environment; so does the import, from the importing one.
      if (name.startsWith('ENV_')) throw new UnsetVariableError(name.slice(4), entry?.file ?? section.file, entry?.line ?? section.line, `[${section.name}] ${entry?.key ?? ''}`)
      note('mistake', at(section), `%(${name})s is not defined (supervisord refuses the program); left as written`)
    }
    const processName = expandPercent(processNameTemplate, vars, () => undefined)
    const command = entries.get('command')
    if (!command) {
      note('mistake', at(section), 'no command=; the program is skipped')
      return out
    }
    let parsed
    try {
      parsed = parseCommandLine(command.value)
    } catch (error) {
      note('mistake', at(section, command.line), `command cannot be read (${(error as Error).message}); the program is skipped`)
      return out
    }
    const inv: WeedInvocation | undefined = parsed.invocation
    if (!inv) {
      if (n === start) note('dropped', at(section, command.line), `does not run weed master|volume|filer|s3|server (${command.value}); not carried over`)
      return out
    }
    if (inv.stray.length > 0 && n === start) {
      const hints = inv.stray.map((w) => /^\d+\.\d+\.\d+(\.\d+)?$/.test(w)
        ? `"${w}" (an address without its flag, perhaps a truncated -ip=…)`
        : /^[A-Za-z][\w.]*=/.test(w) ? `"${w}" (a flag without its leading "-")` : `"${w}"`)
      note('mistake', at(section, command.line), `malformed weed ${inv.command} command line${numprocs > 1 ? ` (all ${numprocs} processes)` : ''}: weed stops reading flags at the first word that is not one, so ${hints.join(' and ')} ${inv.stray.length === 1 ? 'is' : 'are'} ignored, with every flag after ${inv.stray.length === 1 ? 'it' : 'them'}`)
    }
    if (n === start) for (const r of new Set(inv.repeated)) note('mistake', at(section, command.line), `-${r} is given twice; weed uses the last one`)
    for (const [k] of n === start ? Object.entries(parsed.env) : []) {
      if (k !== 'HOME' && k !== 'PATH') note('dropped', at(section, command.line), `environment variable ${k} set for weed: seaweedctl starts weed with a clean environment`)
    }
    const kinds: ProcessKind[] = inv.command === 'server' ? serverKinds(inv) : [inv.command as ProcessKind]
    if (inv.command === 'server' && n === start) {
      note('changed', at(section, command.line), `\`weed server\` runs ${kinds.join(', ')} in one process; seaweed.yaml runs them as separate processes`)
    }
    for (const kind of kinds) {
      const flags = inv.command === 'server' ? serverFlags(inv, kind) : inv.flags
      out.push({
        program, processName, section, entries, kind, flags, global: inv.global, cwd: parsed.cwd, line: command.line, used: new Set(),
      })
    }
  }
  return out
}

/** The components of `weed server`: master and volume unless turned off, filer with -filer or -s3. */
function serverKinds(inv: WeedInvocation): ProcessKind[] {
  const on = (k: string, d: boolean) => (inv.flags.has(k) ? inv.flags.get(k) === 'true' : d)
  const kinds: ProcessKind[] = []
  if (on('master', true)) kinds.push('master')
  if (on('volume', true)) kinds.push('volume')
  if (on('filer', false) || on('s3', false)) kinds.push('filer')
  if (on('s3', false)) kinds.push('s3')
  return kinds
}

/** `weed server` flags for one component: shared ones (-ip, -dir…) and the component's prefixed ones. */
function serverFlags(inv: WeedInvocation, kind: ProcessKind): Map<string, string> {
  const out = new Map<string, string>()
  for (const k of ['ip', 'ip.bind', 'dataCenter', 'rack']) if (inv.flags.has(k)) out.set(k, inv.flags.get(k)!)
  if (kind === 'volume' && inv.flags.has('dir')) out.set('dir', inv.flags.get('dir')!)
  if (kind === 'master' && inv.flags.has('dir')) out.set('mdir', inv.flags.get('dir')!.split(',')[0])
  for (const [k, v] of inv.flags) {
    if (!k.startsWith(`${kind}.`)) continue
    const name = k.slice(kind.length + 1)
    out.set(kind === 'master' && name === 'dir' ? 'mdir' : name, v)
  }
  return out
}

export function ports(
  procs: WeedProcess[],
  kind: ProcessKind,
  where: (p: WeedProcess) => string,
  note: Note,
): {base: number} {
  const list = procs.map((p) => {
    p.used.add('port')
    p.used.add('port.grpc')
    const port = Number(p.flags.get('port') ?? WEED_DEFAULT_PORT[kind])
    const grpc = p.flags.get('port.grpc')
    if (grpc !== undefined && Number(grpc) !== 0 && Number(grpc) !== port + 10_000) {
      note('changed', where(p), `-port.grpc=${grpc}: seaweedctl always uses port+10000 (${port + 10_000})`)
    }
    return port
  })
  const base = list[0]
  const contiguous = list.every((port, i) => port === base + i)
  if (!contiguous) note('changed', where(procs[0]), `${kind} ports ${list.join(', ')} are not consecutive; seaweed.yaml numbers them from ${base} (${list.map((_, i) => base + i).join(', ')})`)
  return {base}
}

export function checkMasterAddress(
  p: WeedProcess,
  value: string | undefined,
  masters: Set<string>,
  where: (p: WeedProcess) => string,
  note: Note,
): void {
  p.used.add('master')
  p.used.add('mserver')
  if (masters.size === 0) return
  const given = (value ?? `localhost:${WEED_DEFAULT_PORT.master}`).split(',')
  const unknown = given.filter((a) => !masters.has(a) && ![...masters].some((m) => m.endsWith(`:${a.split(':')[1]}`) && /^(localhost|127\.0\.0\.1)$/.test(a.split(':')[0])))
  if (unknown.length > 0) note('mistake', where(p), `points at master ${unknown.join(',')}, which is none of the master programs (${[...masters].join(', ')}); seaweed.yaml connects it to its masters`)
}

export function indexOf(all: WeedProcess[], p: WeedProcess): number {
  return all.filter((q) => q.kind === p.kind).indexOf(p) + 1
}
