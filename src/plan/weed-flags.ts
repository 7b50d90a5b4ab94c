/**
 * Extra weed flags from the spec (`master.args`, `processes[].args`…), checked against the flags a weed version
 * really has. Pure: the flag tables (read from `weed <kind> -h` by src/weed/flag-table.ts) come in as data.
 */
import {closest} from '../lib/suggest.js'
import type {ProcessKind} from './types.js'

/** The type a flag's value must have, as `weed <kind> -h` prints it ("" there means a boolean). */
export type FlagType = 'bool' | 'int' | 'uint' | 'int64' | 'uint64' | 'float' | 'float64' | 'duration' | 'string' | 'value'

/** One weed binary's flags per kind: flag name (no dash) → type. */
export interface WeedFlagTable {
  version: string
  kinds: Record<ProcessKind, Record<string, FlagType>>
}

/** The table of the weed the plan runs, and those of other versions seen before (to say which has a flag). */
export interface WeedFlags {
  table: WeedFlagTable
  others: WeedFlagTable[]
}

/** The flags of `weed <kind> -h`: lines "  -name type" (no type for a boolean) followed by indented help. */
export function parseWeedHelp(text: string): Record<string, FlagType> {
  const out: Record<string, FlagType> = {}
  for (const line of text.split('\n')) {
    const match = /^ {2}-([A-Za-z0-9][\w.-]*)(?: (\w+))?\s*$/.exec(line)
    if (!match) continue
    out[match[1]] = typeOf(match[2])
  }
  return out
}

function typeOf(word: string | undefined): FlagType {
  if (word === undefined) return 'bool'
  const known: FlagType[] = ['int', 'uint', 'int64', 'uint64', 'float', 'float64', 'duration', 'string']
  return (known as string[]).includes(word) ? (word as FlagType) : 'value'
}

/**
 * Flags the plan sets itself, per kind, and the spec key that sets them. Given in `args` they would fight the
 * plan (ports, addresses, directories, peers), so they are refused with the key to use instead.
 */
const OWNED_COMMON: Record<string, string> = {
  ip: 'bind', 'ip.bind': 'bind', 'port.grpc': 'KIND.port (gRPC is always HTTP + 10000)', port: 'KIND.port',
  metricsPort: 'metrics.enabled (each process gets a planned metrics port)', metricsIp: 'bind (metrics listen where the process does)',
}
export const OWNED_FLAGS: Record<ProcessKind, Record<string, string>> = {
  master: {
    ...OWNED_COMMON, mdir: 'dataDir', peers: 'master.count', defaultReplication: 'master.defaultReplication',
    volumeSizeLimitMB: 'master.volumeSizeLimitMB', resumeState: 'nothing (seaweedctl always resumes the raft state)',
    telemetry: 'nothing (a local cluster never phones home)',
  },
  volume: {
    ...OWNED_COMMON, dir: 'dataDir', max: 'volume.max', mserver: 'master.count (the masters are planned)', master: 'master.count (the masters are planned)',
    publicUrl: 'bind', dataCenter: 'volume.dataCenters', rack: 'volume.racks', preStopSeconds: 'volume.preStopSeconds',
  },
  filer: {
    ...OWNED_COMMON, master: 'master.count (the masters are planned)', defaultStoreDir: 'dataDir', localSocket: 'dataDir (the socket is planned)',
    s3: 's3.count (gateways run as their own processes)',
  },
  s3: {
    ...OWNED_COMMON, filer: 'filer.count (the filers are planned)', localSocket: 'dataDir (the socket is planned)',
    config: 's3.config (identities are planned, their keys stay in a 0600 file)', 'port.iceberg': 'nothing (off: it would collide between clusters)',
    'port.lance': 'nothing (off: it would collide between clusters)',
  },
}

/** One problem with one `args` entry; `key` is its path in the spec (e.g. `volume.args[1]`). */
export interface ArgProblem {
  key: string
  message: string
  hint?: string
}

/**
 * Check one `args` list for `kind` against `flags` (undefined: only the shape is checked). Each entry must be
 * one flag with its leading dash, `-name=value` or a boolean's `-name`, the flag known to this weed, not one
 * the plan sets, with a value of its type, and given once.
 */
export function checkArgs(list: readonly string[], kind: ProcessKind, key: string, flags: WeedFlags | undefined, metricsPlanned: boolean): ArgProblem[] {
  const problems: ArgProblem[] = []
  const seen = new Map<string, number>()
  list.forEach((arg, i) => {
    const at = `${key}[${i}]`
    const parsed = parseArg(arg)
    if (!parsed) {
      problems.push({key: at, message: `${at} ${JSON.stringify(arg)} is not a weed flag`, hint: 'write one flag per entry with its leading dash, e.g. "-index=leveldb"'})
      return
    }
    const {name, value} = parsed
    const first = seen.get(name)
    if (first !== undefined) {
      problems.push({key: at, message: `${at} repeats -${name} (already ${key}[${first}])`, hint: 'give each flag once'})
      return
    }
    seen.set(name, i)
    const owned = OWNED_FLAGS[kind][name]
    if (owned && (metricsPlanned || !name.startsWith('metrics'))) {
      problems.push({key: at, message: `${at} -${name} is set by seaweedctl for every ${kind} process`, hint: `use ${owned.replace('KIND', kind)} instead`})
      return
    }
    if (!flags) return
    const type = flags.table.kinds[kind][name]
    if (type === undefined) {
      const unknown = unknownFlag(name, kind, flags)
      problems.push({key: at, ...unknown, message: `${at} ${unknown.message}`})
      return
    }
    const wrong = valueProblem(type, value)
    if (wrong) problems.push({key: at, message: `${at} -${name}${value === undefined ? '' : `=${value}`}: ${wrong}`, hint: `weed ${flags.table.version} ${kind} -${name} takes ${describeType(type)}`})
  })
  return problems
}

/** `-name=value` or `-name` (also with two dashes, as Go accepts); undefined when it is no flag at all. */
export function parseArg(arg: string): {name: string; value?: string} | undefined {
  const match = /^--?([A-Za-z0-9][\w.-]*)(?:=([\s\S]*))?$/.exec(arg)
  return match ? {name: match[1], ...(match[2] === undefined ? {} : {value: match[2]})} : undefined
}

function unknownFlag(name: string, kind: ProcessKind, flags: WeedFlags): Omit<ArgProblem, 'key'> {
  const version = flags.table.version
  const elsewhere = flags.others.filter((t) => t.version !== version && t.kinds[kind]?.[name] !== undefined).map((t) => t.version)
  if (elsewhere.length > 0) {
    return {message: `weed ${version} ${kind} has no -${name} (weed ${[...new Set(elsewhere)].join(', ')} has it)`, hint: `drop it, or run a weed that has it (weed.version)`}
  }
  const suggestion = closest(name, Object.keys(flags.table.kinds[kind]))
  return {
    message: `weed ${version} ${kind} has no flag -${name}`,
    hint: suggestion ? `did you mean -${suggestion}?` : `see: weed ${kind} -h`,
  }
}

const GO_DURATION = /^[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$|^0$/
const GO_BOOL = /^(1|0|t|f|T|F|true|false|TRUE|FALSE|True|False)$/

/** Why `value` does not fit `type` (as Go's flag package would parse it), or undefined. */
function valueProblem(type: FlagType, value: string | undefined): string | undefined {
  if (type === 'bool') return value === undefined || GO_BOOL.test(value) ? undefined : `not true or false`
  if (value === undefined) return `needs a value, e.g. -name=VALUE in the same entry`
  switch (type) {
    case 'int':
    case 'int64': return /^[-+]?\d+$/.test(value) ? undefined : 'not a whole number'
    case 'uint':
    case 'uint64': return /^\+?\d+$/.test(value) ? undefined : 'not a whole number ≥ 0'
    case 'float':
    case 'float64': return value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : 'not a number'
    case 'duration': return GO_DURATION.test(value) ? undefined : 'not a duration'
    default: return undefined
  }
}

function describeType(type: FlagType): string {
  switch (type) {
    case 'bool': return 'true or false (or nothing: -name alone is true)'
    case 'duration': return 'a duration such as 2s, 500ms or 1m30s'
    case 'int':
    case 'int64': return 'a whole number'
    case 'uint':
    case 'uint64': return 'a whole number ≥ 0'
    case 'float':
    case 'float64': return 'a number'
    default: return 'a string'
  }
}

/**
 * A process's extra flags: its kind's, then its own (`processes[].args`), where its own replace the kind's
 * flag of the same name.
 */
export function mergeArgs(kindArgs: readonly string[], ownArgs: readonly string[]): string[] {
  const own = new Set(ownArgs.map((a) => parseArg(a)?.name))
  return [...kindArgs.filter((a) => !own.has(parseArg(a)?.name)), ...ownArgs]
}
