import type {SeaweedctlError} from './errors.js'

export function renderError(error: SeaweedctlError, debug = false): string {
  const [first, ...rest] = error.message.split('\n')
  const lines = [`Error: ${first}`, ...rest.map((l) => `       ${l}`), ...error.hints.map((h) => `       ${h}`)]
  if (debug && error.stack) lines.push(error.stack)
  return lines.join('\n')
}
