import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

/** templates/ at the package root (the same relative place from src/ under tsx and from dist/). */
export const TEMPLATE_ROOT = fileURLToPath(new URL('../../templates/export/', import.meta.url))

const cache = new Map<string, string>()

/** A template file's text, e.g. template('supervisor/program.conf'). Read once; templates are static. */
export function template(name: string): string {
  let text = cache.get(name)
  if (text === undefined) {
    text = readFileSync(`${TEMPLATE_ROOT}${name}`, 'utf8')
    cache.set(name, text)
  }
  return text
}

/**
 * Replace every `{{key}}` with values[key]. A placeholder without a value, or a value without a placeholder,
 * is a bug in the renderer, so both throw rather than render something half-filled.
 */
export function fill(text: string, values: Record<string, string | number>): string {
  const used = new Set<string>()
  const out = text.replace(/\{\{([A-Za-z0-9_]+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`template placeholder {{${key}}} has no value`)
    used.add(key)
    return String(values[key])
  })
  const unused = Object.keys(values).filter((k) => !used.has(k))
  if (unused.length > 0) throw new Error(`template has no placeholder for ${unused.join(', ')}`)
  return out
}

/** Quote a word for a POSIX shell, only when it needs it. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_./=:,@+%-]+$/.test(word)) return word
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** Seconds, rounded up, from milliseconds. */
export function seconds(ms: number): number {
  return Math.ceil(ms / 1000)
}
