import * as Flags from '@oclif/core/flags'

import {formatVersion, parseVersionString, supportVerdict} from '../weed/versions.js'
import {SeaweedctlError} from './errors.js'

export const MASTER_COUNTS = [1, 3, 5]
/** Why only these: raft elects a leader with a majority, so an even count tolerates no more failures than one fewer. */
export const MASTER_COUNT_REASON = 'masters elect their leader by majority (raft), so the count must be 1, 3 or 5: 2 masters stop with either one down, 4 tolerate no more failures than 3, and more than 5 only slow every election'

/** Sizing flags shared by `cluster init` and `up`: they shape a new spec. */
export const sizingFlags = {
  volumes: Flags.integer({summary: 'number of volume servers', min: 1, max: 200}),
  filers: Flags.integer({summary: 'number of filers', min: 0, max: 20}),
  masters: Flags.integer({
    summary: 'number of masters (1, 3 or 5)',
    async parse(input) {
      const n = Number(input)
      if (!MASTER_COUNTS.includes(n)) throw new SeaweedctlError('BAD_ARGUMENT', `--masters ${input}: ${MASTER_COUNT_REASON}. Nothing was changed.`, {hints: ['Use --masters 1, 3 or 5']})
      return n
    },
  }),
  s3: Flags.boolean({summary: 'run an S3 gateway'}),
  replication: Flags.string({summary: 'default replication, e.g. 001'}),
  racks: Flags.integer({summary: 'spread volume servers over this many racks', min: 1}),
  'data-centers': Flags.integer({summary: 'spread racks over this many data centers', min: 1}),
  'port-offset': Flags.integer({summary: 'add this to every port', min: 0, max: 50_000}),
  'data-dir': Flags.string({summary: 'where data, logs and runtime state live'}),
  'weed-version': Flags.string({summary: 'weed version of a new spec, MAJOR.MINOR (default 4.48; `up` takes the version of --weed or $SEAWEEDCTL_WEED)'}),
}

export interface SizingOptions {
  volumes?: number
  filers?: number
  masters?: number
  s3?: boolean
  replication?: string
  racks?: number
  dataCenters?: number
  portOffset?: number
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
    portOffset: flags['port-offset'] as number | undefined,
    dataDir: flags['data-dir'] as string | undefined,
    weedVersion: flags['weed-version'] === undefined ? undefined : weedVersionFlag(flags['weed-version'] as string),
  }
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
