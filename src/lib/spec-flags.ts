import {Flags} from '@oclif/core'

/** Sizing flags shared by `cluster init` and `up`: they shape a new spec. */
export const sizingFlags = {
  volumes: Flags.integer({summary: 'number of volume servers', min: 1, max: 200}),
  filers: Flags.integer({summary: 'number of filers', min: 0, max: 20}),
  masters: Flags.integer({summary: 'number of masters (1, 3 or 5)', options: ['1', '3', '5'] as never}),
  s3: Flags.boolean({summary: 'run an S3 gateway'}),
  replication: Flags.string({summary: 'default replication, e.g. 001'}),
  racks: Flags.integer({summary: 'spread volume servers over this many racks', min: 1}),
  'data-centers': Flags.integer({summary: 'spread racks over this many data centers', min: 1}),
  'port-offset': Flags.integer({summary: 'add this to every port', min: 0, max: 50_000}),
  'data-dir': Flags.string({summary: 'where data, logs and runtime state live'}),
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
  }
}
