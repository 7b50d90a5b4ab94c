import * as Flags from '@oclif/core/flags'

import {formatVersion, parseVersionString, supportVerdict} from '../weed/versions.js'
import {SeaweedctlError} from '../lib/errors.js'

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
  'port-offset': Flags.string({summary: 'add this to every port (0-50000), or auto: the first offset whose ports are all free, claimed for this cluster'}),
  'data-dir': Flags.string({summary: 'where data, logs and runtime state live'}),
  'weed-version': Flags.string({summary: 'weed version of a new spec, MAJOR.MINOR (default 4.48; `up` takes the version of --weed or $SEAWEEDCTL_WEED)'}),
}

export {portOffsetFlag, sizingFromFlags, type SizingOptions, weedVersionFlag} from '../lib/sizing.js'
