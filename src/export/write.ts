import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import type {ExportFile} from './types.js'

/**
 * Write an export's files into outDir, all or nothing: they are written into a staging directory (same
 * filesystem) and then renamed into place, so a failure leaves no half-written export. A directory that exists
 * and is not empty needs force; then the export's files replace their namesakes and every other file is left
 * alone (returned, for a warning).
 */
export function writeExportFiles(outDir: string, shown: string, files: ExportFile[], force: boolean): {others: string[]} {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new SeaweedctlError('BAD_ARGUMENT', `${shown} exists and is not a directory; nothing was written.`, {hints: ['Choose a directory with -o'], data: {out: outDir}})
  }
  const entries = existsSync(outDir) ? readdirSync(outDir) : []
  if (entries.length > 0 && !force) {
    const listed = entries.length > 5 ? `${entries.slice(0, 5).join(', ')}, ...` : entries.join(', ')
    throw new SeaweedctlError('OUTPUT_EXISTS', `${shown} exists and is not empty (${listed}); nothing was written.`, {
      hints: ['Add --force to replace the files this export writes (other files are left alone), or choose a new or empty directory with -o'],
      data: {out: outDir, entries},
    })
  }
  // Checked before anything is replaced: renames into place then cannot fail half-way on a file in the way.
  const blocked = files.map((f) => join(outDir, f.path)).filter((path) => existsSync(path) && statSync(path).isDirectory())
  if (blocked.length > 0) {
    throw new SeaweedctlError('OUTPUT_EXISTS', `${blocked.join(', ')} ${blocked.length === 1 ? 'is a directory' : 'are directories'}; nothing was written.`, {hints: ['Move it out of the way, or choose another directory with -o'], data: {blocked}})
  }
  // Staged on the same filesystem: beside a directory still to be made (its parent must be writable for that
  // anyway), inside one that exists (its parent may not be ours).
  const fresh = !existsSync(outDir)
  if (fresh) mkdirSync(dirname(outDir), {recursive: true})
  const staging = fresh ? mkdtempSync(join(dirname(outDir), `.${basename(outDir)}.export-`)) : mkdtempSync(join(outDir, '.export-'))
  try {
    chmodSync(staging, 0o755)
    for (const f of files) {
      const path = join(staging, f.path)
      mkdirSync(dirname(path), {recursive: true})
      writeFileSync(path, f.content, {mode: f.mode ?? 0o644})
      // The umask may have taken bits away (or, for a secret, must not have added any).
      chmodSync(path, f.mode ?? 0o644)
    }
    if (fresh) renameSync(staging, outDir)
    else {
      for (const f of files) {
        mkdirSync(dirname(join(outDir, f.path)), {recursive: true})
        renameSync(join(staging, f.path), join(outDir, f.path))
      }
    }
  } finally {
    rmSync(staging, {recursive: true, force: true})
  }
  const written = new Set(files.map((f) => f.path.split('/')[0]))
  return {others: entries.filter((e) => !written.has(e))}
}
