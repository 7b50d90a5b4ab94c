import {closeSync, openSync, readSync, statSync} from 'node:fs'

/** At most this much is read per call; the rest comes with the next. */
const CHUNK = 1 << 20

/**
 * Reads what was appended to a log since the last read, in whole lines. A log that shrank was rotated
 * (copied, then truncated): it is read again from its start. A missing log reads as nothing yet.
 */
export class LogCursor {
  private offset: number
  private partial = ''

  /** Starts at the current end of the file: only lines written from now on are read. */
  constructor(readonly file: string) {
    this.offset = sizeOf(file) ?? 0
  }

  read(): string[] {
    const size = sizeOf(this.file)
    if (size === undefined) return []
    if (size < this.offset) {
      this.offset = 0
      this.partial = ''
    }
    if (size === this.offset) return []
    const fd = openSync(this.file, 'r')
    let text: string
    try {
      const buffer = Buffer.alloc(Math.min(size - this.offset, CHUNK))
      const read = readSync(fd, buffer, 0, buffer.length, this.offset)
      this.offset += read
      text = this.partial + buffer.subarray(0, read).toString('utf8')
    } finally {
      closeSync(fd)
    }
    const lines = text.split('\n')
    this.partial = lines.pop() ?? ''
    return lines
  }
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size
  } catch {
    return undefined
  }
}
