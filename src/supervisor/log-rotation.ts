import {closeSync, copyFileSync, existsSync, ftruncateSync, openSync, readSync, renameSync, rmSync, statSync, writeSync} from 'node:fs'

/**
 * Size-based rotation of a log that a live process holds open for append: copy it to name.log.1 (older copies
 * shift to .2, .3…, at most `backups` kept), then truncate it. The writer never blocks and never notices;
 * with O_APPEND its next write lands at the new end of the file.
 *
 * The writer keeps writing while the copy runs, so after the bulk copy the lines appended meanwhile are copied
 * too, until a read finds nothing new, and the truncate follows at once. What remains is copy-then-truncate's
 * inherent gap: a write that lands between that last read and the truncate is lost (at most one write).
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
  const fd = openSync(file, 'r+')
  try {
    if (backups > 0) {
      const backup = `${file}.1`
      copyFileSync(file, backup)
      const out = openSync(backup, 'a')
      try {
        const buffer = Buffer.allocUnsafe(1024 * 1024)
        let position = statSync(backup).size
        for (let n = readSync(fd, buffer, 0, buffer.length, position); n > 0; n = readSync(fd, buffer, 0, buffer.length, position)) {
          for (let off = 0; off < n;) off += writeSync(out, buffer, off, n - off)
          position += n
        }
      } finally {
        closeSync(out)
      }
    }
    ftruncateSync(fd, 0)
  } finally {
    closeSync(fd)
  }
  return true
}
