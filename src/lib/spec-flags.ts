import * as Flags from '@oclif/core/flags'

/** Sizing flags shared by `cluster init` and `up`: they shape a new spec. */
export const sizingFlags = {
  volumes: Flags.integer({summary: 'number of volume servers', min: 1, max: 200}),
  filers: Flags.integer({summary: 'number of filers', min: 0, max: 20}),
  masters: Flags.integer({summary: 'number of masters (1, 3 or 5)', options: ['1', '3', '5'] as never}),
  s3: Flags.boolean({summary: 'run an S3 gateway'}),
  replication: Flags.string({summary: 'default replication, e.g. 001'}),
  racks: Flags.integer({summary: 'spread volume servers over this many racks', min: 1}),
  'data-centers': Flags.integer({summary: 'spread racks over this many data centers', min: 1}),
  'port-offset': Flags.string({summary: 'add this to every port (0-50000), or auto: the first offset whose ports are all free, claimed for this cluster'}),
  'data-dir': Flags.string({summary: 'where data, logs and runtime state live'}),
  'weed-version': Flags.string({summary: 'weed version of a new spec, MAJOR.MINOR (default 4.48; `up` takes the version of --weed or $SEAWEEDCTL_WEED)'}),
}

export {portOffsetFlag, sizingFromFlags, type SizingOptions, weedVersionFlag} from './sizing.js'
