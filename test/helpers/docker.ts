import {execFile, execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {REPO} from './cli.js'

/**
 * A real Docker engine for a test file, through scripts/docker-engine.sh: installed when missing (Debian's
 * docker.io, Compose v2 built from the Go module proxy, a debootstrap base image; cached outside the checkout),
 * dockerd in a network namespace of its own with its socket in a temp directory, stopped by pid.
 */
const SCRIPT = join(REPO, 'scripts', 'docker-engine.sh')

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

export interface DockerEngine {
  dir: string
  env: NodeJS.ProcessEnv
  /** `docker ARGS` against this engine. */
  docker(args: string[], options?: {cwd?: string; timeoutMs?: number}): Promise<CommandResult>
  /** A command in the engine's network namespace, where the ports a project publishes on 127.0.0.1 are. */
  inNamespace(command: string, args: string[], options?: {cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<CommandResult>
  /** The image a Compose export names, built from the cached base and weed `version`. */
  buildImage(version: string, tag: string): void
  /** Stops dockerd by pid and removes what it left (idempotent; safe after a failure). */
  stop(): void
}

export function run(file: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, {cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000}, (error, stdout, stderr) => {
      const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : 1) : 0
      resolve({code, stdout, stderr})
    })
  })
}

/**
 * Install what is missing (idempotent; waits for an install under way, e.g. the one CI starts in the
 * background), then start an engine. Throws, naming what to do, when either cannot be done: never a skip.
 */
export function startDockerEngine(label: string): DockerEngine {
  try {
    execFileSync('bash', [SCRIPT, 'install'], {stdio: ['ignore', 'inherit', 'inherit'], timeout: 40 * 60_000})
  } catch (error) {
    throw new Error(`a Docker engine with Compose v2 is needed and could not be installed (as root, with Debian's apt and the Go module proxy reachable): bash scripts/docker-engine.sh install failed: ${(error as Error).message}`)
  }
  const dir = mkdtempSync(join(tmpdir(), `seaweedctl-${label}-docker-`))
  const stop = () => {
    execFileSync('bash', [SCRIPT, 'stop', dir], {stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000})
    rmSync(dir, {recursive: true, force: true})
  }
  let exports: string
  try {
    exports = execFileSync('bash', [SCRIPT, 'start', dir], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 180_000})
  } catch (error) {
    stop()
    throw new Error(`dockerd did not start (bash scripts/docker-engine.sh start ${dir}): ${(error as Error).message}`)
  }
  const env: NodeJS.ProcessEnv = {...process.env}
  for (const [, key, value] of exports.matchAll(/^export (\w+)=(.*)$/gm)) env[key] = value
  return {
    dir,
    env,
    docker: (args, options = {}) => run('docker', args, {...options, env}),
    inNamespace: (command, args, options = {}) => run('bash', [SCRIPT, 'exec', dir, command, ...args], {...options, env: {...env, ...options.env}}),
    buildImage(version, tag) {
      execFileSync('bash', [SCRIPT, 'image', version, tag], {env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000})
    },
    stop,
  }
}
