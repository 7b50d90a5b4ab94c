/** Reading command lines: POSIX shell words (as supervisord's shlex.split), and weed's Go flag syntax. */

/** Split like Python's shlex.split (posix): quotes, backslash escapes; no expansion. */
export function shellWords(line: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
      continue
    }
    if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i]
      else word += c
      continue
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      continue
    }
    inWord = true
    if (c === "'" || c === '"') quote = c
    else if (c === '\\' && i + 1 < line.length) word += line[++i]
    else word += c
  }
  if (quote) throw new Error(`unbalanced ${quote} quote`)
  if (inWord) words.push(word)
  return words
}

export const WEED_COMMANDS = ['master', 'volume', 'filer', 's3', 'server'] as const
export type WeedCommand = (typeof WEED_COMMANDS)[number]

/** Boolean flags: `-name` alone sets them, so the next word is not their value. */
const BOOL_FLAGS = new Set([
  'logtostderr', 'alsologtostderr', 'log_json', 'log_compress',
  'resumeState', 'telemetry', 'volumePreallocate', 'disableHttp', 'raftHashicorp', 'raftBootstrap', 'debug',
  's3', 'webdav', 'iam', 'sftp', 'master', 'volume', 'filer', 'disableDirListing', 'encryptVolumeData',
  'pprof', 'hasSlowRead', 'ui', 'expose', 'allowEmptyFolder', 'allowDeleteBucketNotEmpty',
])

export interface WeedInvocation {
  /** The executable as written (`weed`, `/usr/local/bin/weed`). */
  executable: string
  /** Flags before the subcommand (glog, -config_dir…). */
  global: Map<string, string>
  command: WeedCommand
  flags: Map<string, string>
  /** Words after the flags: weed stops reading flags at the first word that is not one, and ignores the rest. */
  stray: string[]
  /** Flags given more than once (the last one wins, as in Go). */
  repeated: string[]
}

/**
 * Parse `weed [global flags] <command> [flags]` from shell words, or undefined when the words do not run weed.
 * Go's flag package: `-name=value`, `--name=value`, `-name value` (non-boolean), `-name` (boolean); parsing
 * stops at `--` or the first non-flag word.
 */
export function parseWeedWords(words: string[]): WeedInvocation | undefined {
  if (words.length === 0 || !/(^|\/)weed$/.test(words[0])) return undefined
  const global = new Map<string, string>()
  const repeated: string[] = []
  let i = 1
  i = readFlags(words, i, global, repeated, true)
  const command = words[i] as WeedCommand
  if (!WEED_COMMANDS.includes(command)) return undefined
  const flags = new Map<string, string>()
  i = readFlags(words, i + 1, flags, repeated, false)
  const stray = words.slice(words[i] === '--' ? i + 1 : i)
  return {executable: words[0], global, command, flags, stray, repeated}
}

function readFlags(words: string[], start: number, into: Map<string, string>, repeated: string[], stopAtCommand: boolean): number {
  let i = start
  while (i < words.length) {
    const word = words[i]
    if (word === '--' || !word.startsWith('-') || word === '-') return i
    if (stopAtCommand && WEED_COMMANDS.includes(word as WeedCommand)) return i
    const body = word.replace(/^--?/, '')
    const eq = body.indexOf('=')
    let name: string
    let value: string
    if (eq >= 0) {
      name = body.slice(0, eq)
      value = body.slice(eq + 1)
    } else if (BOOL_FLAGS.has(body) || i + 1 >= words.length) {
      name = body
      value = 'true'
    } else {
      name = body
      value = words[++i]
    }
    if (into.has(name)) repeated.push(name)
    into.set(name, value)
    i++
  }
  return i
}

export interface CommandLine {
  invocation?: WeedInvocation
  /** `cd DIR` in a `sh -c` script, or undefined. */
  cwd?: string
  /** Variables set for weed by `env [-i] K=V…`. */
  env: Record<string, string>
  /** True when `env -i` clears the inherited environment. */
  cleanEnv: boolean
  /** What else the line runs (mkdir…), for the report. */
  other: string[]
}

/**
 * The weed invocation inside a supervisord `command=`: either `weed …` itself, or a `sh -c '…'` script whose
 * steps are joined by && (as `seaweedctl export supervisor` writes: mkdir, cd, exec env -i … weed …).
 */
export function parseCommandLine(command: string): CommandLine {
  const words = shellWords(command)
  const shell = /(^|\/)(ba|da)?sh$/.test(words[0] ?? '') && words[1] === '-c' && words.length >= 3
  const result: CommandLine = {env: {}, cleanEnv: false, other: []}
  const steps = shell ? words[2].split(/\s*&&\s*/).map((s) => shellWords(s)) : [words]
  for (let step of steps) {
    if (step[0] === 'exec') step = step.slice(1)
    if (step[0] === 'cd' && step.length === 2) {
      result.cwd = step[1]
      continue
    }
    if (/(^|\/)env$/.test(step[0] ?? '')) {
      let j = 1
      for (; j < step.length; j++) {
        if (step[j] === '-i' || step[j] === '-') result.cleanEnv = true
        else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(step[j])) {
          const eq = step[j].indexOf('=')
          result.env[step[j].slice(0, eq)] = step[j].slice(eq + 1)
        } else break
      }
      step = step.slice(j)
    }
    const invocation = parseWeedWords(step)
    if (invocation && !result.invocation) result.invocation = invocation
    else if (step.length > 0) result.other.push(step.join(' '))
  }
  return result
}
