import {createHash} from 'node:crypto'
import {tmpdir} from 'node:os'
import {basename, join, resolve} from 'node:path'

/** Unix socket paths are limited to 107 bytes (108 with the NUL). */
export const SOCKET_PATH_LIMIT = 107

/**
 * A socket path under `runDir` when it fits, else a short one under the temp directory derived from `runDir`
 * (so every command computes the same path without reading any file).
 */
export function socketPathFor(runDir: string, fileName: string, uid = process.getuid?.() ?? 0): string {
  const preferred = join(runDir, fileName)
  if (Buffer.byteLength(preferred) <= SOCKET_PATH_LIMIT) return preferred
  const hash = createHash('sha256').update(runDir).digest('hex').slice(0, 16)
  return join(tmpdir(), `seaweedctl-${uid}`, `${hash}-${fileName}`)
}

export function runDirOf(dataDir: string): string {
  return join(dataDir, 'run')
}

/** A spec without `name` is named after its directory, made valid (`My App` → `my-app`). */
export function clusterNameFor(dir: string): string {
  const name = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, 40).replace(/-+$/, '')
  return name || 'seaweed'
}
