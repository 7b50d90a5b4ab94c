import {randomBytes} from 'node:crypto'
import {closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

/**
 * Write a file so that readers see the old content or the new one, never a half-written file:
 * write a sibling temp file, fsync it, rename it over the target. `durable: false` skips the fsync for files
 * that only matter while the machine stays up (the daemon's record of live pids dies with them at a power loss);
 * the rename keeps them atomic for every reader either way.
 */
export function writeFileAtomic(path: string, content: string, mode = 0o644, {durable = true}: {durable?: boolean} = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'wx', mode)
    writeSync(fd, content)
    if (durable) fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, path)
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    rmSync(tmp, {force: true})
    throw error
  }
}
