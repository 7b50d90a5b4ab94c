/**
 * The one description of seaweed.yaml. Defaults, validation, the commented file written by `cluster init`
 * and the JSON Schema in templates/ all come from this table, so they cannot drift apart.
 */

export type RestartPolicy = 'always' | 'on-failure' | 'never'

export type FieldSpec =
  | {type: 'integer'; default: number; min: number; max: number; enum?: readonly number[]; enumHint?: string; doc: string}
  | {type: 'string'; default: string; pattern?: RegExp; patternHint?: string; enum?: readonly string[]; doc: string}
  | {type: 'replication'; default: string; doc: string}
  | {type: 'boolean'; default: boolean; doc: string}
  | {type: 'duration'; default: string; minMs: number; maxMs: number; doc: string}
  | {type: 'size'; default: string; minBytes: number; doc: string}
  | {type: 'object'; fields: Record<string, FieldSpec>; doc: string}
  /** A YAML sequence; every item is checked against `item` (a string or a mapping). */
  | {type: 'list'; item: FieldSpec; default: readonly never[]; doc: string}

/**
 * S3's bucket-name rules: 3–63 characters of lower-case letters, digits, dots and dashes, starting and ending
 * with a letter or digit, no "..", not an IP address, none of AWS's reserved prefixes and suffixes.
 */
export const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!xn--)(?!sthree-)(?!.*\.\.)(?!.*-s3alias$)(?!.*--ol-s3$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
export const BUCKET_NAME_HINT = 'S3 bucket names: 3-63 lower-case letters, digits, dots and dashes, starting and ending with a letter or digit, no "..", not an IP address'

const bucketList = (doc: string): FieldSpec => ({type: 'list', default: [], doc, item: {type: 'string', default: '', pattern: BUCKET_NAME, patternHint: BUCKET_NAME_HINT, doc: 'a bucket name'}})

const weedArgHint = (kind: string) => `one weed flag per entry with its leading dash, e.g. "-index=leveldb" (see: weed ${kind} -h)`
const weedArgs = (kind: string): FieldSpec => ({
  type: 'list', default: [],
  doc: `extra weed flags for every ${kind} process, e.g. ["-index=leveldb"]; checked against \`weed ${kind} -h\` of weed.version`,
  item: {type: 'string', default: '', pattern: /^--?[A-Za-z0-9]/, patternHint: weedArgHint(kind), doc: 'a weed flag'},
})

const port = (value: number, doc: string): FieldSpec => ({type: 'integer', default: value, min: 1024, max: 55_535, doc})

export const SPEC_SCHEMA = {
  type: 'object',
  doc: 'A SeaweedFS cluster run by seaweedctl',
  fields: {
    name: {
      type: 'string', default: '', pattern: /^(?:[a-z0-9][a-z0-9-]{0,39})?$/,
      patternHint: 'lower-case letters, digits and dashes, at most 40 characters',
      doc: 'cluster name; shown by status and used in exports (empty: the name of this file\'s directory)',
    },
    weed: {
      type: 'object', doc: 'the weed binary',
      fields: {
        version: {
          type: 'string', default: '4.48', pattern: /^\d+\.\d+$/, patternHint: 'MAJOR.MINOR, quoted, e.g. "4.48"',
          doc: 'expected weed version; a binary of another version is an error',
        },
        binary: {type: 'string', default: 'auto', doc: 'auto = --weed, $SEAWEEDCTL_WEED, the cache, then PATH; or a path'},
      },
    },
    dataDir: {type: 'string', default: './.seaweed', doc: 'all data, logs and runtime state live below here (relative to this file)'},
    bind: {
      type: 'string', default: '127.0.0.1', pattern: /^(?!0\.0\.0\.0$)[A-Za-z0-9.:-]+$/,
      patternHint: 'an address of this machine; 0.0.0.0 breaks leader discovery',
      doc: '-ip of every process; local clusters never advertise 0.0.0.0',
    },
    portOffset: {type: 'integer', default: 0, min: 0, max: 50_000, doc: 'added to every port, to run several clusters side by side'},
    master: {
      type: 'object', doc: 'masters (raft)',
      fields: {
        count: {type: 'integer', default: 1, min: 1, max: 5, enum: [1, 3, 5], enumHint: 'masters elect their leader by majority (raft): an even count tolerates no more failures than one fewer', doc: '1, 3 or 5 (a raft quorum)'},
        port: port(9333, 'HTTP port of master-1 (master i gets port+i-1); gRPC is always port+10000'),
        volumeSizeLimitMB: {type: 'integer', default: 1024, min: 1, max: 30_000, doc: 'a volume is full at this size'},
        defaultReplication: {type: 'replication', default: '000', doc: 'e.g. "001" = 2 copies on 2 servers in one rack'},
        args: weedArgs('master'),
      },
    },
    volume: {
      type: 'object', doc: 'volume servers',
      fields: {
        count: {type: 'integer', default: 4, min: 1, max: 200, doc: 'number of volume servers'},
        port: port(8080, 'HTTP port of volume-1 (volume i gets port+i-1)'),
        max: {type: 'integer', default: 0, min: 0, max: 10_000, doc: 'volume slots per server (0 = from free disk space)'},
        racks: {type: 'integer', default: 1, min: 1, max: 200, doc: 'spread servers over this many racks (round robin)'},
        dataCenters: {type: 'integer', default: 1, min: 1, max: 200, doc: 'spread racks over this many data centers'},
        preStopSeconds: {type: 'integer', default: 1, min: 0, max: 300, doc: 'seconds a stopping server keeps serving after leaving the topology'},
        args: weedArgs('volume'),
      },
    },
    filer: {
      type: 'object', doc: 'filers',
      fields: {
        count: {type: 'integer', default: 1, min: 0, max: 20, doc: 'number of filers (0 = none)'},
        port: port(8888, 'HTTP port of filer-1 (filer i gets port+i-1)'),
        args: weedArgs('filer'),
      },
    },
    s3: {
      type: 'object', doc: 'S3 gateways (need a filer)',
      fields: {
        count: {type: 'integer', default: 0, min: 0, max: 20, doc: 'number of S3 gateways (0 = none)'},
        port: port(8333, 'HTTP port of s3-1 (gateway i gets port+i-1)'),
        region: {type: 'string', default: 'us-east-1', pattern: /^[a-z0-9-]{1,32}$/, patternHint: 'e.g. us-east-1', doc: 'region that clients sign for (AWS_REGION from `seaweedctl env`)'},
        buckets: bucketList('buckets that `up` creates (kept across down/up); the first is S3_BUCKET in `seaweedctl env`'),
        accessKey: {
          type: 'string', default: '', pattern: /^$|^[A-Za-z0-9_+=,.@-]{3,128}$/, patternHint: 'letters, digits and _+=,.@-, 3-128 characters',
          doc: 'fixed access key id of the admin identity ("" = generated once per cluster, or $AWS_ACCESS_KEY_ID at up)',
        },
        secretKeyFile: {type: 'string', default: '', doc: 'file holding the secret of accessKey (relative to this file); needed with accessKey'},
        identities: {
          type: 'list', default: [], doc: 'further identities, e.g. [{name: reader, actions: [Read, List]}]; keys are generated unless given',
          item: {
            type: 'object', doc: 'an identity',
            fields: {
              name: {type: 'string', default: '', pattern: /^[A-Za-z0-9_-]{1,64}$/, patternHint: 'letters, digits, _ and -', doc: 'identity name'},
              actions: {
                type: 'list', default: [], doc: 'weed\'s action names (Admin, Read, ReadAcp, Write, WriteAcp, List, Tagging, DeleteBucket, object-lock and bucket-policy actions: those the weed version knows), optionally :bucket or :bucket/path, * and ? as wildcards (e.g. Read:ci-data, Write:logs/app/*)',
                item: {type: 'string', default: '', pattern: /^[A-Za-z]+(:[a-z0-9.*?-]+(\/[^\s]*)?)?$/, patternHint: 'an action name, optionally followed by :bucket or :bucket/path (* and ? match anything)', doc: 'an action'},
              },
              accessKey: {type: 'string', default: '', pattern: /^$|^[A-Za-z0-9_+=,.@-]{3,128}$/, patternHint: 'letters, digits and _+=,.@-, 3-128 characters', doc: 'access key id ("" = generated)'},
              secretKeyFile: {type: 'string', default: '', doc: 'file holding its secret ("" = generated)'},
            },
          },
        },
        config: {type: 'string', default: '', doc: 'an existing weed s3.json whose identities are added ("" = none)'},
        anonymousRead: bucketList('buckets anyone may read without signing (everything else needs a key)'),
        args: weedArgs('s3'),
        sse: {
          type: 'object', doc: 'server-side encryption (SSE-S3)',
          fields: {
            kekFile: {type: 'string', default: '', doc: 'file holding the key-encryption key: 64 hex characters or 32 raw bytes, mode 0600 ("" = generated once per cluster in the run directory)'},
          },
        },
      },
    },
    processes: {
      type: 'list', default: [], doc: 'per-process extra weed flags, e.g. [{name: volume-2, args: ["-index=leveldb"]}]; they replace the kind\'s flag of the same name',
      item: {
        type: 'object', doc: 'one process',
        fields: {
          name: {type: 'string', default: '', pattern: /^(master|volume|filer|s3)-[1-9]\d*$/, patternHint: 'a process name such as volume-2 (seaweedctl cluster plan lists them)', doc: 'process name'},
          args: {type: 'list', default: [], doc: 'extra weed flags of this process', item: {type: 'string', default: '', pattern: /^--?[A-Za-z0-9]/, patternHint: weedArgHint('<kind>'), doc: 'a weed flag'}},
        },
      },
    },
    metrics: {
      type: 'object', doc: 'Prometheus metrics of every process (seaweedctl metrics, seaweedctl export prometheus)',
      fields: {
        enabled: {type: 'boolean', default: true, doc: 'each process serves /metrics on its HTTP port + 5000, on its own address'},
      },
    },
    supervise: {
      type: 'object', doc: 'how processes are kept alive',
      fields: {
        restart: {type: 'string', default: 'on-failure', enum: ['always', 'on-failure', 'never'], doc: 'always | on-failure | never'},
        startTimeout: {type: 'duration', default: '60s', minMs: 1000, maxMs: 3_600_000, doc: 'a process not ready by then has failed to start'},
        healthInterval: {type: 'duration', default: '2s', minMs: 100, maxMs: 600_000, doc: 'liveness probe period'},
        unhealthyThreshold: {type: 'integer', default: 3, min: 1, max: 100, doc: 'failed probes in a row before a restart'},
      },
    },
    logs: {
      type: 'object', doc: 'captured output of each process, in dataDir/logs/<name>.log',
      fields: {
        maxBytes: {type: 'size', default: '50MB', minBytes: 1024, doc: 'rotate a log at this size'},
        backups: {type: 'integer', default: 10, min: 0, max: 1000, doc: 'rotated files kept per process'},
      },
    },
  },
} as const satisfies FieldSpec

/** The spec after defaults and unit parsing. Paths are absolute. */
export interface ClusterSpec {
  name: string
  weed: {version: string; binary: string}
  dataDir: string
  bind: string
  portOffset: number
  master: {count: number; port: number; volumeSizeLimitMB: number; defaultReplication: string; args: string[]}
  volume: {count: number; port: number; max: number; racks: number; dataCenters: number; preStopSeconds: number; args: string[]}
  filer: {count: number; port: number; args: string[]}
  s3: {
    args: string[]
    count: number
    port: number
    region: string
    buckets: string[]
    accessKey: string
    /** Absolute, or "" */
    secretKeyFile: string
    identities: S3IdentitySpec[]
    /** Absolute, or "" */
    config: string
    anonymousRead: string[]
    /** kekFile: absolute, or "" */
    sse: {kekFile: string}
  }
  /** Per-process extra flags, by process name. */
  processes: Array<{name: string; args: string[]}>
  metrics: {enabled: boolean}
  supervise: {restart: RestartPolicy; startTimeoutMs: number; healthIntervalMs: number; unhealthyThreshold: number}
  logs: {maxBytes: number; backups: number}
}

export interface S3IdentitySpec {
  name: string
  actions: string[]
  accessKey: string
  /** Absolute, or "" */
  secretKeyFile: string
}

/** Where the spec came from; `file` is undefined for a spec built from flags alone. */
export interface SpecSource {
  file?: string
  /** Dotted key path → 1-based position of its value, for errors found after loading (e.g. by the planner). */
  positions: Map<string, {line: number; column: number}>
}

export interface LoadedSpec {
  spec: ClusterSpec
  source: SpecSource
}
