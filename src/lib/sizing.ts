import {formatVersion, parseVersionString, supportVerdict} from '../weed/versions.js'
import {SeaweedctlError} from './errors.js'

/** Sizing of a new spec, from flags or the API's options (no oclif here: the API loads this). */
export interface SizingOptions {
  volumes?: number
  filers?: number
  masters?: number
  s3?: boolean
  replication?: string
  racks?: number
  dataCenters?: number
  /** A number, or 'auto' (up only): the first free offset, chosen and claimed when the spec is created. */
  portOffset?: number | 'auto'
  dataDir?: string
  /** weed.version, normalised to MAJOR.MINOR ("4.3" → "4.03"). */
  weedVersion?: string
}

export function sizingFromFlags(flags: Record<string, unknown>): SizingOptions {
  return {
    volumes: flags.volumes as number | undefined,
    filers: flags.filers as number | undefined,
    masters: flags.masters === undefined ? undefined : Number(flags.masters),
    s3: flags.s3 ? true : undefined,
    replication: flags.replication as string | undefined,
    racks: flags.racks as number | undefined,
    dataCenters: flags['data-centers'] as number | undefined,
    portOffset: flags['port-offset'] === undefined ? undefined : portOffsetFlag(flags['port-offset'] as string),
    dataDir: flags['data-dir'] as string | undefined,
    weedVersion: flags['weed-version'] === undefined ? undefined : weedVersionFlag(flags['weed-version'] as string),
  }
}

/** --port-offset: an integer 0-50000, or auto. */
export function portOffsetFlag(text: string): number | 'auto' {
  if (text === 'auto') return 'auto'
  const n = Number(text)
  if (!/^\d+$/.test(text) || n > 50_000) {
    throw new SeaweedctlError('BAD_ARGUMENT', `--port-offset "${text}" must be a whole number from 0 to 50000, or auto; nothing was changed.`, {data: {flag: '--port-offset', given: text}})
  }
  return n
}

/** --weed-version: MAJOR.MINOR of a version seaweedctl can drive. */
export function weedVersionFlag(text: string): string {
  const parsed = parseVersionString(text)
  if (!parsed) {
    throw new SeaweedctlError('BAD_ARGUMENT', `--weed-version "${text}" is not a weed version; expected MAJOR.MINOR such as 4.48`, {data: {flag: '--weed-version', given: text}})
  }
  const verdict = supportVerdict(parsed)
  if (!verdict.ok) throw new SeaweedctlError('BAD_ARGUMENT', `--weed-version ${text}: ${verdict.reason}`, {data: {flag: '--weed-version', given: text}})
  return formatVersion(parsed)
}
