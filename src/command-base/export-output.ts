import {relative} from 'node:path'

import type {ExportResult} from '../export/types.js'

/** What an export command prints for people: the files themselves, or what was written where. */
export function describeExport(result: ExportResult): string[] {
  const lines = result.warnings.map((w) => `Warning: ${w}`)
  if (result.outDir === null) {
    const several = result.files.length > 1
    for (const f of result.files) {
      if (several) lines.push(`# ==> ${f.path} <==`)
      lines.push((f.content ?? '').replace(/\n$/, ''))
      if (several) lines.push('')
    }
    // Notes go to stderr so the printed files stay usable as they are (e.g. piped to a file).
    for (const n of result.notes) process.stderr.write(`Note: ${n}\n`)
    return lines
  }
  const rel = (p: string) => relative(process.cwd(), p) || '.'
  lines.push(`Wrote ${result.files.length} file${result.files.length === 1 ? '' : 's'} for ${result.target} (cluster "${result.cluster}"):`)
  for (const f of result.files) lines.push(`  ${rel(f.path)}  (${f.kind})`)
  if (result.directories.length > 0) lines.push(`Created ${result.directories.map(rel).join(', ')}`)
  for (const n of result.notes) lines.push(`Note: ${n}`)
  return lines
}
