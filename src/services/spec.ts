import {existsSync} from 'node:fs'
import {dirname, resolve} from 'node:path'

import {SeaweedctlError} from '../lib/errors.js'
import type {SizingOptions} from '../lib/sizing.js'
import {clusterNameFor, defaultRaw, loadSpecFile, specFromRaw} from '../clusterfile/load.js'
import {renderSpecYaml} from '../clusterfile/render.js'
import type {ClusterSpec, LoadedSpec} from '../clusterfile/schema.js'
import {formatVersion, parseVersionString} from '../weed/versions.js'

type Raw = Record<string, any>

/** YAML-level values for a new spec: the defaults with the sizing flags applied. */
export function rawFromSizing(sizing: SizingOptions): Raw {
  const raw = defaultRaw() as Raw
  if (sizing.volumes !== undefined) raw.volume.count = sizing.volumes
  if (sizing.filers !== undefined) raw.filer.count = sizing.filers
  if (sizing.masters !== undefined) raw.master.count = sizing.masters
  if (sizing.s3) raw.s3.count = 1
  if (sizing.replication !== undefined) raw.master.defaultReplication = sizing.replication
  if (sizing.racks !== undefined) raw.volume.racks = sizing.racks
  if (sizing.dataCenters !== undefined) raw.volume.dataCenters = sizing.dataCenters
  if (typeof sizing.portOffset === 'number') raw.portOffset = sizing.portOffset
  if (sizing.dataDir !== undefined) raw.dataDir = sizing.dataDir
  if (sizing.weedVersion !== undefined) raw.weed.version = sizing.weedVersion
  return raw
}

export interface NewSpec {
  spec: ClusterSpec
  text: string
  file: string
}

/** A spec made from flags, validated like a file, not yet written. */
export function newSpec(file: string, sizing: SizingOptions): NewSpec {
  const path = resolve(file)
  const raw = rawFromSizing(sizing)
  // Written into the file, so the name stays the same if the directory is renamed later.
  raw.name = clusterNameFor(dirname(path))
  const spec = specFromRaw(raw, dirname(path))
  return {spec, text: renderSpecYaml(raw), file: path}
}

/** Sizing flags given to a command on an existing spec must agree with it; `scale` changes counts. */
export function checkSizingAgrees(loaded: LoadedSpec, sizing: SizingOptions): void {
  const s = loaded.spec
  const checks: Array<[string, unknown, unknown, string]> = [
    ['--volumes', sizing.volumes, s.volume.count, 'volume.count'],
    ['--filers', sizing.filers, s.filer.count, 'filer.count'],
    ['--masters', sizing.masters, s.master.count, 'master.count'],
    ['--s3', sizing.s3 ? true : undefined, s.s3.count > 0, 's3.count'],
    ['--replication', sizing.replication === undefined ? undefined : sizing.replication.padStart(3, '0'), s.master.defaultReplication, 'master.defaultReplication'],
    ['--racks', sizing.racks, s.volume.racks, 'volume.racks'],
    ['--data-centers', sizing.dataCenters, s.volume.dataCenters, 'volume.dataCenters'],
    // auto on an existing spec keeps the offset chosen when it was created.
    ['--port-offset', sizing.portOffset === 'auto' ? undefined : sizing.portOffset, s.portOffset, 'portOffset'],
    ['--data-dir', sizing.dataDir === undefined ? undefined : resolve(dirname(loaded.source.file!), sizing.dataDir), s.dataDir, 'dataDir'],
    ['--weed-version', sizing.weedVersion, sameVersionText(s.weed.version, sizing.weedVersion), 'weed.version'],
  ]
  for (const [flag, given, actual, key] of checks) {
    if (given === undefined || given === actual) continue
    const at = loaded.source.positions.get(key)
    const where = at ? `${loaded.source.file}:${at.line}:${at.column}` : loaded.source.file
    throw new SeaweedctlError('SPEC_FLAG_CONFLICT', `${flag} ${String(given)} disagrees with ${key}: ${String(actual)} in ${where}. Nothing was changed.`, {
      hints: flag === '--volumes' || flag === '--filers' || flag === '--s3'
        ? [`To change a running cluster's size use: seaweedctl scale ${flag.slice(2).replace(/s$/, '')} ${String(given)}`]
        : [`Edit ${key} in the spec, or drop ${flag}`],
      data: {flag, given, actual, key},
    })
  }
}

/** "4.3" in a spec is the same version as --weed-version 4.03; anything else is compared as written. */
function sameVersionText(specVersion: string, given: string | undefined): string {
  const a = parseVersionString(specVersion)
  return a && given !== undefined && formatVersion(a) === given ? given : specVersion
}

export function specExists(file: string): boolean {
  return existsSync(resolve(file))
}

export {loadSpecFile}
