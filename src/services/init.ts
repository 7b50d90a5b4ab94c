import {writeFileAtomic} from '../lib/fs-atomic.js'
import {SeaweedctlError} from '../lib/errors.js'
import type {SizingOptions} from '../lib/sizing.js'
import {planCluster} from '../plan/planner.js'
import {newSpec, specExists} from './spec.js'

export interface InitOptions extends SizingOptions {
  file: string
  force: boolean
}

export interface InitResult {
  file: string
  overwritten: boolean
  processes: number
}

/** Write a commented seaweed.yaml; the spec must plan cleanly before anything is written. */
export function initSpec(options: InitOptions): InitResult {
  const exists = specExists(options.file)
  if (exists && !options.force) {
    throw new SeaweedctlError('SPEC_EXISTS', `${options.file} already exists; nothing was changed.`, {
      hints: ['Use --force to overwrite it, or --file PATH to write another file'],
      data: {file: options.file},
    })
  }
  if (options.portOffset === 'auto') {
    throw new SeaweedctlError('BAD_ARGUMENT', '--port-offset auto is for `up`, which claims the ports it picks while the cluster runs; nothing was changed.', {
      hints: ['Run: seaweedctl up --port-offset auto   (it writes the chosen offset into the new spec)', 'Or give a number: --port-offset 2000'],
    })
  }
  const made = newSpec(options.file, options)
  const plan = planCluster(made.spec)
  writeFileAtomic(made.file, made.text)
  return {file: made.file, overwritten: exists, processes: plan.processes.length}
}
