import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, isAbsolute, join, relative, resolve} from 'node:path'

/** A %(ENV_X)s whose variable the importing environment does not set. */
export class UnsetVariableError extends Error {
  constructor(readonly variable: string, readonly file: string, readonly line: number, readonly setting: string) {
    super(`${shortPath(file)}:${line} ${setting} uses %(ENV_${variable})s, but ${variable} is not set in this environment`)
  }
}

/** One `key = value` of a supervisord config, with where it came from. */
export interface IniEntry {
  key: string
  value: string
  file: string
  line: number
}

export interface IniSection {
  name: string
  file: string
  line: number
  entries: IniEntry[]
}

export interface IniProblem {
  file: string
  line: number
  message: string
}

export interface IniDocument {
  sections: IniSection[]
  /** Files read, the main one first. */
  files: string[]
  problems: IniProblem[]
}

/**
 * Read a supervisord config the way supervisord does (Python's RawConfigParser with strict=False and inline
 * comments): `;`/`#` full-line comments, inline comments after whitespace, `=` or `:`, indented continuation
 * lines, lower-cased keys, a repeated key replaces the earlier one (reported), and `[include] files=` globs
 * relative to the including file. Included files cannot include further files (as in supervisord).
 */
export function readSupervisorConfig(path: string, env: NodeJS.ProcessEnv = process.env): IniDocument {
  const doc: IniDocument = {sections: [], files: [], problems: []}
  const main = resolve(path)
  parseInto(doc, main, readFileSync(main, 'utf8'))
  const include = doc.sections.find((s) => s.name === 'include' && s.file === main)
  const files = include?.entries.find((e) => e.key === 'files')
  if (files) {
    const vars: Record<string, string> = {here: dirname(main)}
    for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[`ENV_${k}`] = v
    const expanded = expandPercent(files.value, vars, (name) => {
      // supervisord expands %(ENV_X)s from its environment: an unset one is an error there, and here.
      if (name.startsWith('ENV_')) throw new UnsetVariableError(name.slice(4), files.file, files.line, '[include] files')
      doc.problems.push({file: files.file, line: files.line, message: `[include] files uses %(${name})s, which is not defined`})
    })
    for (const pattern of expanded.split(/\s+/).filter(Boolean)) {
      const absolute = isAbsolute(pattern) ? pattern : join(dirname(main), pattern)
      const matches = globFiles(absolute)
      if (matches.length === 0) {
        doc.problems.push({file: files.file, line: files.line, message: `[include] files pattern ${pattern} matches no file`})
      }
      for (const match of matches) {
        const before = doc.sections.length
        parseInto(doc, match, readFileSync(match, 'utf8'))
        for (const s of doc.sections.slice(before)) {
          if (s.name === 'include') doc.problems.push({file: s.file, line: s.line, message: 'an included file cannot include other files; its [include] is ignored (as by supervisord)'})
        }
      }
    }
  }
  return doc
}

export function parseInto(doc: IniDocument, file: string, text: string): void {
  doc.files.push(file)
  let section: IniSection | undefined
  let last: IniEntry | undefined
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const lineNo = i + 1
    const stripped = raw.trim()
    if (stripped === '' || stripped.startsWith(';') || stripped.startsWith('#')) {
      if (stripped === '') last = undefined
      return
    }
    const indented = /^\s/.test(raw)
    if (indented && last) {
      last.value = `${last.value}\n${stripInline(stripped)}`
      return
    }
    const header = /^\[([^\]]+)\]/.exec(stripped)
    if (header) {
      const name = header[1].trim()
      const existing = doc.sections.find((s) => s.name === name)
      if (existing) {
        doc.problems.push({file, line: lineNo, message: `section [${name}] appears again (first at ${shortPath(existing.file)}:${existing.line}); its settings are merged`})
        section = existing
      } else {
        section = {name, file, line: lineNo, entries: []}
        doc.sections.push(section)
      }
      last = undefined
      return
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(stripped)
    if (!kv || !section) {
      doc.problems.push({file, line: lineNo, message: section ? `cannot read this line: ${stripped}` : `a setting before any [section]: ${stripped}`})
      last = undefined
      return
    }
    const key = kv[1].trim().toLowerCase()
    const value = stripInline(kv[2])
    const previous = section.entries.find((e) => e.key === key)
    if (previous) {
      doc.problems.push({file, line: lineNo, message: `[${section.name}] ${key} is set twice (also at line ${previous.line}); the last one (${value}) wins`})
      section.entries = section.entries.filter((e) => e !== previous)
    }
    last = {key, value, file, line: lineNo}
    section.entries.push(last)
  })
}

/** Inline comments start at `;` or `#` preceded by whitespace. */
function stripInline(value: string): string {
  const match = /\s[;#]/.exec(value)
  return (match ? value.slice(0, match.index) : value).trim()
}

/** Files matching a glob with `*`, `?` and `[...]` in its last component (what supervisord's includes use). */
export function globFiles(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return existsSync(pattern) ? [pattern] : []
  const dir = dirname(pattern)
  const base = pattern.slice(dir.length + 1)
  if (/[*?[]/.test(dir) || !existsSync(dir)) return []
  const regex = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]')}$`)
  return readdirSorted(dir).filter((name) => regex.test(name) && !name.startsWith('.')).map((name) => join(dir, name))
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir).sort()
}

export function shortPath(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') ? rel : file
}

/** Python %-formatting as supervisord applies it: %(name)s, %(name)02d, %%. Unknown names are reported. */
export function expandPercent(value: string, vars: Record<string, string | number>, unknown: (name: string) => void): string {
  return value.replace(/%(?:\(([^)]+)\)([-#0 +]*)(\d*)(?:\.(\d+))?([sdrif])|%)/g, (whole, name: string | undefined, flags: string, width: string, _precision: string, conv: string) => {
    if (name === undefined) return '%'
    if (!(name in vars)) {
      unknown(name)
      return whole
    }
    const v = vars[name]
    let text = conv === 'd' || conv === 'i' ? String(Math.trunc(Number(v))) : String(v)
    const w = Number(width || 0)
    if (text.length < w) text = flags.includes('-') ? text.padEnd(w) : flags.includes('0') && conv !== 's' ? text.padStart(w, '0') : text.padStart(w)
    return text
  })
}
