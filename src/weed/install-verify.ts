import {chmod} from 'node:fs/promises'

import {isElf, readWeedVersion} from './binary.js'
import {Unavailable} from './install-sources.js'
import {compareVersions, parseVersionString} from './versions.js'

/** What a source produced, or what the cache holds, is accepted only when `weed version` says the version asked for. */

export async function checkStaged(binary: string, version: string, step: (message: string) => void): Promise<void> {
  await chmod(binary, 0o755)
  step('checking `weed version`')
  let got
  try {
    got = await readWeedVersion(binary)
  } catch (error) {
    throw new Unavailable(error instanceof Error ? error.message : String(error))
  }
  const want = parseVersionString(version)!
  if (compareVersions(got, want) !== 0) throw new Unavailable(`it provides weed ${got.text}, not ${version}`)
}

export async function worksAs(path: string, version: string): Promise<boolean> {
  if (!isElf(path)) return false
  try {
    const got = await readWeedVersion(path)
    return compareVersions(got, parseVersionString(version)!) === 0
  } catch {
    return false
  }
}

