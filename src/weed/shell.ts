import {SeaweedctlError} from '../lib/errors.js'

export interface ShellResult {
  stdout: string
  stderr: string
  /** Lines starting with "error:": `weed shell` exits 0 even when a command failed, so this is how failure shows. */
  errors: string[]
}

/**
 * Run `weed shell` non-interactively against a master, commands fed on stdin. Every call is bounded: the shell
 * blocks forever without a master, and `lock` blocks until it gets the lock.
 */
export async function runWeedShell(weedPath: string, master: string, commands: string[], timeoutMs: number): Promise<ShellResult> {
  const {execa} = await import('execa')
  const result = await execa(weedPath, ['-logtostderr=false', 'shell', `-master=${master}`], {
    input: `${commands.join('\n')}\n`,
    timeout: timeoutMs,
    reject: false,
    env: {PATH: '/usr/bin:/bin', HOME: '/nonexistent'},
    extendEnv: false,
  })
  if (result.timedOut) {
    throw new SeaweedctlError('SHELL_FAILED', `weed shell did not finish within ${Math.round(timeoutMs / 1000)}s running: ${commands.join('; ')}`, {
      data: {commands, stdout: result.stdout, stderr: result.stderr},
    })
  }
  const errors = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => /^error:/.test(l.trim())).map((l) => l.trim())
  return {stdout: result.stdout, stderr: result.stderr, errors}
}
