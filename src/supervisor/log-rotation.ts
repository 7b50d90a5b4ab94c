import {copyFileSync, existsSync, renameSync, rmSync, statSync, truncateSync} from 'node:fs'

/**
 * Size-based rotation of a log that a live process holds open for append: copy it to name.log.1 (older copies
 * shift to .2, .3…, at most `backups` kept), then truncate it. The writer never blocks and never notices;
 * with O_APPEND its next write lands at the new end of the file.
 */
export function rotateIfLarge(file: string, maxBytes: number, backups: number): boolean {
  let size: number
  try {
    size = statSync(file).size
  } catch {
    return false
  }
  if (size <= maxBytes) return false
  rmSync(`${file}.${backups}`, {force: true})
  for (let i = backups - 1; i >= 1; i--) {
    if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`)
  }
  if (backups > 0) copyFileSync(file, `${file}.1`)
  truncateSync(file, 0)
  return true
}
