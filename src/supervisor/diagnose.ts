import {closeSync, openSync, readSync, statSync} from 'node:fs'

/** The last `lines` lines of a log file (reads at most the last 64 KiB). */
export function tailLines(file: string, lines: number): string[] {
  if (lines <= 0) return [] // slice(-0) would be every line
  let fd: number | undefined
  try {
    const size = statSync(file).size
    const length = Math.min(size, 64 * 1024)
    fd = openSync(file, 'r')
    const buffer = Buffer.alloc(length)
    readSync(fd, buffer, 0, length, size - length)
    const all = buffer.toString('utf8').split('\n')
    if (all.at(-1) === '') all.pop()
    return all.slice(-lines)
  } catch {
    return []
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Known weed failures, recognised in its log, with what to do about them. */
const KNOWN: Array<{pattern: RegExp; hint: (m: RegExpMatchArray) => string}> = [
  {
    pattern: /listen tcp [^ ]*?:(\d+): bind: address already in use/,
    hint: (m) => `port ${m[1]} is already in use by another program: stop it, or move this cluster with portOffset`,
  },
  {
    pattern: /(duplicate|already (exists|registered)).*(volume|dir|uuid)|vol_dir\.uuid/i,
    hint: () => 'two volume servers share a data directory (duplicate vol_dir.uuid): give each its own -dir',
  },
  {pattern: /permission denied/i, hint: () => 'a file or directory is not writable by this user'},
  {pattern: /no space left on device/i, hint: () => 'the disk is full'},
  {pattern: /flag provided but not defined: -(\S+)/, hint: (m) => `this weed does not know the flag -${m[1]}: check weed.version against the binary`},
]

export function knownCause(lines: string[]): string | undefined {
  for (const line of [...lines].reverse()) {
    for (const known of KNOWN) {
      const match = line.match(known.pattern)
      if (match) return known.hint(match)
    }
  }
  return undefined
}
