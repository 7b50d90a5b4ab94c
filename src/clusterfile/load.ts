import {existsSync, readFileSync} from 'node:fs'
import {dirname, relative, resolve} from 'node:path'
import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Node} from 'yaml'

import {type ErrorCode, SeaweedctlError} from '../lib/errors.js'
import {parseDuration, parseSize} from '../lib/units.js'
import {closest} from '../lib/suggest.js'
import {type ClusterSpec, type FieldSpec, type LoadedSpec, SPEC_SCHEMA} from './schema.js'
import {clusterNameFor} from '../plan/paths.js'

export {clusterNameFor}

export const DEFAULT_SPEC_FILE = 'seaweed.yaml'

interface Problem {
  code: ErrorCode
  line: number
  column: number
  message: string
  hint?: string
}

type Raw = Record<string, unknown>

/** The spec as written by `cluster init` with no options: every default, as YAML-level values. */
export function defaultRaw(field: FieldSpec = SPEC_SCHEMA): Raw {
  if (field.type !== 'object') throw new Error('defaultRaw needs an object field')
  const out: Raw = {}
  for (const [key, sub] of Object.entries(field.fields)) out[key] = sub.type === 'object' ? defaultRaw(sub) : sub.type === 'list' ? [] : sub.default
  return out
}

/**
 * What a missing spec means: a command that makes a cluster can create one; a command that acts on a running
 * cluster (down, status, logs…) was run in the wrong directory or without its --file.
 */
export type SpecUse = 'create' | 'existing'

/** Read and validate a seaweed.yaml. Every problem names file, line and column. */
export function loadSpecFile(file: string, use: SpecUse = 'create'): LoadedSpec {
  const path = resolve(file)
  if (!existsSync(path)) {
    throw new SeaweedctlError('SPEC_NOT_FOUND', `${file}: no such file; nothing was changed.`, {
      hints: [use === 'create'
        ? 'Create one with: seaweedctl cluster init   (or let `seaweedctl up` create it)'
        : 'Run this in the cluster\'s directory (where its seaweed.yaml is), or name the spec with --file PATH or $SEAWEEDCTL_FILE'],
      data: {file},
    })
  }
  return parseSpecText(readFileSync(path, 'utf8'), path)
}

const TRUNCATED_HINT = 'if the file was cut off, restore it from version control, or write a complete one with: seaweedctl cluster init --force (then adjust it)'

/** Validate YAML text as a spec. `path` is used for messages and to resolve dataDir. */
export function parseSpecText(text: string, path: string): LoadedSpec {
  const display = relative(process.cwd(), path) || path
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  const problems: Problem[] = []
  const pos = (offset: number | undefined) => {
    const p = lineCounter.linePos(offset ?? 0)
    return {line: p.line, column: p.col}
  }

  for (const error of doc.errors) {
    const at = pos(error.pos[0])
    problems.push({code: 'SPEC_SYNTAX', ...at, message: `malformed YAML: ${firstLine(error.message)}`})
  }
  if (problems.length > 0) throw toError(display, problems)
  // An empty file (or one of comments only) is a mistake or a cut-off write, never "all defaults".
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw toError(display, [{code: 'SPEC_SYNTAX', line: 1, column: 1, message: 'the file is empty: it describes no cluster', hint: TRUNCATED_HINT}])
  }

  const positions = new Map<string, {line: number; column: number}>()
  const raw = walk(doc.contents as Node | null, SPEC_SCHEMA, "", problems, pos, positions) as Raw
  if (problems.length > 0) throw toError(display, problems)

  const spec = toClusterSpec(raw, dirname(path))
  return {spec, source: {file: path, positions}}
}

/** Build a spec from YAML-level values (flags on a new cluster), with the same validation as a file. */
export function specFromRaw(raw: Raw, baseDir: string): ClusterSpec {
  const problems: Problem[] = []
  const merged = mergeDefaults(raw, SPEC_SCHEMA)
  validateRaw(merged, SPEC_SCHEMA, '', problems)
  if (problems.length > 0) throw toError('flags', problems)
  return toClusterSpec(merged, baseDir)
}

function walk(
  node: Node | null,
  field: FieldSpec,
  path: string,
  problems: Problem[],
  pos: (offset: number | undefined) => {line: number; column: number},
  positions: Map<string, {line: number; column: number}>,
): unknown {
  if (field.type === 'object') {
    const out: Raw = {}
    if (node === null || (isScalar(node) && node.value === null)) {
      // `volume:` with nothing under it: what was meant is missing (a file cut off after a key, most likely).
      const at = positions.get(path) ?? {line: 1, column: 1}
      problems.push({code: 'SPEC_TYPE', ...at, message: `${label(path)} has no value`, hint: TRUNCATED_HINT})
      return mergeDefaults({}, field)
    }
    if (!isMap(node)) {
      problems.push({code: 'SPEC_TYPE', ...pos(node.range?.[0]), message: `${label(path)} must be a mapping of keys (${Object.keys(field.fields).join(', ')})`})
      return mergeDefaults({}, field)
    }
    const known = Object.keys(field.fields)
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode)
      const sub = field.fields[key]
      if (!sub) {
        const suggestion = closest(key, known)
        problems.push({
          code: 'SPEC_UNKNOWN_KEY', ...pos(keyNode?.range?.[0]),
          message: `unknown key "${key}" in ${path ? `"${path}"` : 'the top level'}`,
          hint: suggestion ? `did you mean "${suggestion}"?` : `known keys here: ${known.join(', ')}`,
        })
        continue
      }
      const childPath = path ? `${path}.${key}` : key
      const valueNode = pair.value as Node | null
      positions.set(childPath, pos(valueNode?.range?.[0] ?? keyNode?.range?.[0]))
      out[key] = walk(valueNode, sub, childPath, problems, pos, positions)
    }
    return mergeDefaults(out, field)
  }
  if (field.type === 'list') {
    if (node === null || (isScalar(node) && node.value === null)) return []
    if (!isSeq(node)) {
      problems.push({code: 'SPEC_TYPE', ...pos(node.range?.[0]), message: `${label(path)} must be a list, e.g. [a, b]`})
      return []
    }
    return node.items.map((item, i) => {
      const itemPath = `${path}[${i}]`
      positions.set(itemPath, pos((item as Node | null)?.range?.[0]))
      return walk(item as Node | null, field.item, itemPath, problems, pos, positions)
    })
  }
  const at = pos(node?.range?.[0])
  const value = node === null ? null : isScalar(node) ? node.value : undefined
  if (value === undefined) {
    problems.push({code: 'SPEC_TYPE', ...at, message: `${label(path)} must be a single value, not a list or mapping`})
    return field.default
  }
  if (value === null) return field.default
  const problem = checkValue(value, field, path)
  if (problem) {
    problems.push({...problem, ...at})
    return field.default
  }
  return normalise(value, field)
}

function checkValue(value: unknown, field: FieldSpec, path: string): Omit<Problem, 'line' | 'column'> | undefined {
  const shown = JSON.stringify(value)
  switch (field.type) {
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        return {code: 'SPEC_TYPE', message: `${label(path)} must be a whole number, got ${shown}`}
      }
      if (field.enum && !field.enum.includes(value)) {
        return {code: 'SPEC_RANGE', message: `${label(path)} must be one of ${field.enum.join(', ')}, got ${value}${field.enumHint ? ` (${field.enumHint})` : ''}`}
      }
      if (value < field.min || value > field.max) {
        return {code: 'SPEC_RANGE', message: `${label(path)} must be between ${field.min} and ${field.max}, got ${value}`}
      }
      return undefined
    }
    case 'string': {
      if (typeof value !== 'string') return {code: 'SPEC_TYPE', message: `${label(path)} must be a string, got ${shown}`, hint: 'quote it'}
      if (field.enum && !field.enum.includes(value)) {
        const suggestion = closest(value, [...field.enum])
        return {
          code: 'SPEC_RANGE', message: `${label(path)} must be one of ${field.enum.join(' | ')}, got ${shown}`,
          hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
        }
      }
      if (field.pattern && !field.pattern.test(value)) {
        return {code: 'SPEC_RANGE', message: `${label(path)} has an invalid value ${shown}`, hint: field.patternHint}
      }
      return undefined
    }
    case 'replication': {
      // YAML reads an unquoted 001 as the number 1; three digits padded back are the same string.
      const text = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? String(value).padStart(3, '0') : value
      if (typeof text !== 'string' || !/^\d{3}$/.test(text) || Number(text) > 255) {
        return {
          code: 'SPEC_RANGE', message: `${label(path)} must be three digits XYZ (copies in other data centers, racks, servers), got ${shown}`,
          hint: 'for example "000" (one copy) or "001" (two copies in one rack)',
        }
      }
      return undefined
    }
    case 'boolean': {
      return typeof value === 'boolean' ? undefined : {code: 'SPEC_TYPE', message: `${label(path)} must be true or false, got ${shown}`}
    }
    case 'duration': {
      const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined
      if (ms === undefined) return {code: 'SPEC_TYPE', message: `${label(path)} must be a duration like "2s" or "500ms", got ${shown}`}
      if (ms < field.minMs || ms > field.maxMs) {
        return {code: 'SPEC_RANGE', message: `${label(path)} must be between ${field.minMs}ms and ${field.maxMs / 1000}s, got ${shown}`}
      }
      return undefined
    }
    case 'size': {
      const bytes = typeof value === 'string' || typeof value === 'number' ? parseSize(value) : undefined
      if (bytes === undefined) return {code: 'SPEC_TYPE', message: `${label(path)} must be a size like "50MB", got ${shown}`}
      if (bytes < field.minBytes) return {code: 'SPEC_RANGE', message: `${label(path)} must be at least ${field.minBytes} bytes, got ${shown}`}
      return undefined
    }
    case 'object':
      return {code: 'SPEC_TYPE', message: `${label(path)} must be a mapping`}
    case 'list':
      return {code: 'SPEC_TYPE', message: `${label(path)} must be a list`}
  }
}

function normalise(value: unknown, field: FieldSpec): unknown {
  if (field.type === 'replication' && typeof value === 'number') return String(value).padStart(3, '0')
  return value
}

function mergeDefaults(raw: Raw, field: FieldSpec): Raw {
  if (field.type !== 'object') return raw
  const out: Raw = {}
  for (const [key, sub] of Object.entries(field.fields)) {
    if (sub.type === 'object') out[key] = mergeDefaults((raw[key] as Raw | undefined) ?? {}, sub)
    else if (sub.type === 'list') out[key] = ((raw[key] as unknown[] | undefined) ?? []).map((item) => (sub.item.type === 'object' ? mergeDefaults(item as Raw, sub.item) : item))
    else out[key] = raw[key] ?? sub.default
  }
  return out
}

function validateRaw(raw: Raw, field: FieldSpec, path: string, problems: Problem[]): void {
  if (field.type !== 'object') return
  for (const [key, sub] of Object.entries(field.fields)) {
    const childPath = path ? `${path}.${key}` : key
    if (sub.type === 'object') {
      validateRaw(raw[key] as Raw, sub, childPath, problems)
      continue
    }
    if (sub.type === 'list') {
      const items = raw[key]
      if (!Array.isArray(items)) problems.push({code: 'SPEC_TYPE', message: `${label(childPath)} must be a list`, line: 0, column: 0})
      else items.forEach((item, i) => validateRaw({item}, {type: 'object', doc: '', fields: {item: sub.item}}, `${childPath}[${i}]`, problems))
      continue
    }
    const problem = checkValue(raw[key], sub, childPath)
    if (problem) problems.push({...problem, line: 0, column: 0})
    else raw[key] = normalise(raw[key], sub)
  }
}

function toClusterSpec(raw: Raw, baseDir: string): ClusterSpec {
  const r = raw as any
  return {
    name: r.name || clusterNameFor(baseDir),
    weed: {version: r.weed.version, binary: r.weed.binary === 'auto' ? 'auto' : resolve(baseDir, r.weed.binary)},
    dataDir: resolve(baseDir, r.dataDir),
    bind: r.bind,
    portOffset: r.portOffset,
    master: {...r.master},
    volume: {...r.volume},
    filer: {...r.filer},
    s3: {
      ...r.s3,
      secretKeyFile: r.s3.secretKeyFile && resolve(baseDir, r.s3.secretKeyFile),
      config: r.s3.config && resolve(baseDir, r.s3.config),
      sse: {kekFile: r.s3.sse.kekFile && resolve(baseDir, r.s3.sse.kekFile)},
      identities: r.s3.identities.map((i: any) => ({...i, secretKeyFile: i.secretKeyFile && resolve(baseDir, i.secretKeyFile)})),
    },
    processes: r.processes.map((p: any) => ({name: p.name, args: [...p.args]})),
    metrics: {enabled: r.metrics.enabled},
    supervise: {
      restart: r.supervise.restart,
      startTimeoutMs: parseDuration(r.supervise.startTimeout)!,
      healthIntervalMs: parseDuration(r.supervise.healthInterval)!,
      unhealthyThreshold: r.supervise.unhealthyThreshold,
    },
    logs: {maxBytes: parseSize(r.logs.maxBytes)!, backups: r.logs.backups},
  }
}

/**
 * The default cluster name: the spec's directory name made valid ("My App_2" → "my-app-2"), so two projects'
 * exported systemd units and compose projects do not clash the way a fixed default would.
 */

function toError(file: string, problems: Problem[]): SeaweedctlError {
  const [first] = problems
  const where = (p: Problem) => (p.line > 0 ? `${file}:${p.line}:${p.column}` : file)
  const lines = problems.map((p) => `${where(p)}  ${p.message}${p.hint ? `\n       ${p.hint}` : ''}`)
  const more = problems.length > 1 ? `${problems.length} problems:\n` : ''
  return new SeaweedctlError(first.code, `${more}${lines.join('\n')}\nNothing was changed.`, {
    // Each hint is already under its problem in the message: not repeated as a hint (it would print twice).
    hints: [],
    data: {
      file,
      line: first.line,
      column: first.column,
      problems: problems.map((p) => ({code: p.code, line: p.line, column: p.column, message: p.message, hint: p.hint})),
    },
  })
}

function label(path: string): string {
  return path ? `"${path}"` : 'the spec'
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
}

export {closest} from '../lib/suggest.js'
