/**
 * The CommonJS entry (`require('seaweedctl')`): the same `startCluster` as the ES module, for Jest suites and
 * `.cjs` test files. The library is an ES module, and Node 20 cannot `require()` one, so this entry loads it with
 * `import()` on the first call: `startCluster` is async anyway, so nothing changes for the caller.
 *
 *   const {startCluster} = require('seaweedctl')
 *   const cluster = await startCluster({volumes: 2, dir: tmp})
 *   try { ... } finally { await cluster.down({purge: true}) }
 */
import type * as esm from './index.js' with {'resolution-mode': 'import'}

export type {Cluster, DownResult, S3Access, ScaleResult, StartClusterOptions, StatusReport, UpEvent} from './index.js' with {'resolution-mode': 'import'}

let loaded: Promise<typeof esm> | undefined
let library: typeof esm | undefined

function load(): Promise<typeof esm> {
  loaded ??= import('./index.js').then((m) => (library = m))
  return loaded
}

/** Start a cluster (or, with `reuse`, find it running) and resolve once it serves. */
export async function startCluster(options?: esm.StartClusterOptions): Promise<esm.Cluster> {
  return (await load()).startCluster(options)
}

/**
 * `error instanceof SeaweedctlError` as in the ES module: every error the library throws comes after it is loaded,
 * so the check defers to the library's own class. It is not meant to be constructed from CommonJS.
 */
export const SeaweedctlError = class SeaweedctlError {
  static [Symbol.hasInstance](value: unknown): boolean {
    return library !== undefined && value instanceof library.SeaweedctlError
  }
} as unknown as typeof esm.SeaweedctlError
export type SeaweedctlError = esm.SeaweedctlError
