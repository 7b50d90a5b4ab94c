import {relative} from 'node:path'

import {cacheRoot, describeSource, findWeed, locateWeed, readWeedVersion, type WeedSource} from '../weed/binary.js'
import {formatVersion, NEWEST_KNOWN, supportVerdict} from '../weed/versions.js'
import {loadSpecFile, specExists} from './spec.js'

/** What the spec says about weed, or the defaults when there is no spec. */
export interface WeedWanted {
  version: string
  binary: string
  /** The spec file these came from; undefined when there is none (then version is the newest known). */
  specFile?: string
}

export function weedWanted(file: string): WeedWanted {
  if (!specExists(file)) return {version: formatVersion(NEWEST_KNOWN), binary: 'auto'}
  const loaded = loadSpecFile(file)
  return {version: loaded.spec.weed.version, binary: loaded.spec.weed.binary, specFile: loaded.source.file}
}

export interface WhichResult {
  path: string
  source: WeedSource
  version: string
  /** Why this binary: which rule of the search order picked it. */
  why: string
  expected: string
  specFile?: string
  warning?: string
}

/** The weed `up` would run, checked as `up` checks it (exists, answers `weed version`, matches the spec). */
export async function whichWeed(file: string, flag?: string, env: NodeJS.ProcessEnv = process.env): Promise<WhichResult> {
  const wanted = weedWanted(file)
  const found = await findWeed({flag, specBinary: wanted.binary, specVersion: wanted.version, env})
  return {
    path: found.path,
    source: found.source,
    version: found.version.text,
    why: whyText(found.source, wanted),
    expected: wanted.version,
    specFile: wanted.specFile,
    warning: found.warning,
  }
}

function whyText(source: WeedSource, wanted: WeedWanted): string {
  const spec = wanted.specFile ? relative(process.cwd(), wanted.specFile) || wanted.specFile : undefined
  const versionFrom = spec ? `weed.version "${wanted.version}" in ${spec}` : `no spec, so the newest version seaweedctl knows (${wanted.version})`
  switch (source) {
    case 'flag': return 'given with --weed'
    case 'env': return '$SEAWEEDCTL_WEED is set (no --weed given)'
    case 'spec': return `weed.binary in ${spec ?? 'the spec'}`
    case 'cache': return `seaweedctl's cache holds weed ${wanted.version}: ${versionFrom}; no --weed, $SEAWEEDCTL_WEED or weed.binary`
    case 'PATH': return `first weed on PATH: no --weed, $SEAWEEDCTL_WEED or weed.binary, and no weed ${wanted.version} in the cache (${cacheRoot()}/weed)`
  }
}

export interface VersionResult {
  path: string
  source: WeedSource
  /** MAJOR.MINOR, e.g. "4.48". */
  version: string
  major: number
  minor: number
  sizeLimit: string
  expected: string
  matchesSpec: boolean
  supported: boolean
  note?: string
}

/** The version of the weed that would be used, even when it does not match the spec (that is reported, not thrown). */
export async function weedVersion(file: string, flag?: string, env: NodeJS.ProcessEnv = process.env): Promise<VersionResult> {
  const wanted = weedWanted(file)
  const found = locateWeed({flag, specBinary: wanted.binary, specVersion: wanted.version, env})
  const parsed = await readWeedVersion(found.path)
  const verdict = supportVerdict(parsed)
  return {
    path: found.path,
    source: found.source,
    version: parsed.text,
    major: parsed.major,
    minor: parsed.minor,
    sizeLimit: parsed.sizeLimit,
    expected: wanted.version,
    matchesSpec: parsed.text === wanted.version,
    supported: verdict.ok,
    note: verdict.ok ? verdict.warning : verdict.reason,
  }
}

export {describeSource}
