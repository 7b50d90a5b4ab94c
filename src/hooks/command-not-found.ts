import type {Hook} from '@oclif/core/hooks'

import {SeaweedctlError} from '../lib/errors.js'
import {closest} from '../lib/suggest.js'
import {renderError} from '../lib/errors.js'

/**
 * An unknown command or topic (`stauts`, `export foo`) is bad input like any other: exit 2, a "did you mean"
 * when the word is a likely typo, and under --json the same `{"error": …}` on stdout as every command's errors.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const shown = options.id.replaceAll(':', ' ')
  const known = [...options.config.commandIDs.map((id) => id.replaceAll(':', ' ')), ...options.config.topics.map((t) => t.name.replaceAll(':', ' '))]
  const suggestion = closest(shown, known)
  const topic = shown.includes(' ') ? shown.slice(0, shown.indexOf(' ')) : undefined
  const hint = suggestion
    ? `did you mean "${suggestion}"?`
    : `See the commands: seaweedctl ${topic && known.includes(topic) ? `${topic} ` : ''}--help`
  const error = new SeaweedctlError('UNKNOWN_COMMAND', `"${shown}" is not a seaweedctl command; nothing was changed.`, {
    hints: [hint], data: {command: shown, ...(suggestion ? {suggestion} : {})},
  })
  process.exitCode = error.exitCode
  if (options.argv?.includes('--json')) process.stdout.write(`${JSON.stringify({error: error.toJSON()}, null, 2)}\n`)
  else process.stderr.write(`${renderError(error)}\n`)
  return {handled: true}
}

export default hook
