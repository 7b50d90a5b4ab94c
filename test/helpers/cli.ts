import {execFile} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))

/**
 * Every test run has a registry of running clusters of its own (`seaweedctl ls`, src/daemon/registry.ts): it
 * never sees, or is seen by, the clusters of anyone else on this machine. Set before any CLI or API call.
 */
export const TEST_STATE_HOME = mkdtempSync(join(tmpdir(), 'seaweedctl-state-'))
process.env.XDG_STATE_HOME = TEST_STATE_HOME
process.once('exit', () => rmSync(TEST_STATE_HOME, {recursive: true, force: true}))
export const BIN = join(REPO, 'bin', 'run.js')

/** The weed version a new spec gets when nothing chooses one (weed.version's default). */
export const DEFAULT_WEED_VERSION = '4.48'

/**
 * The weed version the end-to-end tests run: $SEAWEEDCTL_TEST_WEED_VERSION, default 4.48. CI runs the suite
 * once per version (4.48, and 4.30: the oldest 4.x on PyPI); install each with scripts/install-weed.sh VERSION.
 */
export const TEST_WEED_VERSION = testWeedVersion()

function testWeedVersion(): string {
  const given = process.env.SEAWEEDCTL_TEST_WEED_VERSION?.trim()
  if (!given) return DEFAULT_WEED_VERSION
  if (!/^\d+\.\d{2}$/.test(given)) throw new Error(`SEAWEEDCTL_TEST_WEED_VERSION must look like 4.30, got "${given}"`)
  return given
}

/** `--weed-version` for commands that create a new spec (`up`, `cluster init`), so it runs TEST_WEED_VERSION. */
export const WEED_VERSION_ARGS = ['--weed-version', TEST_WEED_VERSION]

/** The `weed:` section of a hand-written seaweed.yaml, pinning it to TEST_WEED_VERSION. */
export function weedSection(): string {
  return `weed:\n  version: "${TEST_WEED_VERSION}"\n`
}

/** The weed TEST_WEED_VERSION that scripts/install-weed.sh put in seaweedctl's cache. */
export function weedBinary(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(cache, 'seaweedctl', 'weed', TEST_WEED_VERSION, 'weed')
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * How long the CLI takes to start and exit on its own (`--version`) right now. Tests that bound an operation's time
 * subtract it: on a loaded CI machine a bare CLI start can take seconds, which is not what those bounds are about.
 */
export async function cliStartMs(cwd: string): Promise<number> {
  const started = Date.now()
  await cli(['--version'], {cwd})
  return Date.now() - started
}

/** Run the built CLI as a user would, in `cwd`, without a TTY. */
export function cli(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: {...process.env, CI: 'true', ...options.env},
      timeout: options.timeoutMs ?? 180_000,
      maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : 1) : 0
      resolvePromise({code, stdout, stderr})
    })
  })
}

/** Pids of processes whose working directory is inside `dir` (every weed of a test cluster runs there). */
export function pidsUnder(dir: string): number[] {
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`)
      if (cwd === dir || cwd.startsWith(`${dir}/`)) out.push(Number(entry))
    } catch {
      // gone or not ours to read
    }
  }
  return out
}

export function weedPidsUnder(dir: string): number[] {
  return pidsUnder(dir).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`).endsWith('/weed')
    } catch {
      return false
    }
  })
}

/** A temp directory for one cluster, with a cleanup that stops it and kills leftovers by pid, even after a failure. */
export function testDir(label: string): {dir: string; cleanup: () => Promise<void>} {
  const dir = mkdtempSync(join(tmpdir(), `seaweedctl-${label}-`))
  return {
    dir,
    async cleanup() {
      await cli(['down'], {cwd: dir, timeoutMs: 120_000}).catch(() => undefined)
      for (const pid of pidsUnder(dir)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      // The daemon runs with cwd = runDir (inside dir), so it is covered above.
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** Poll `check` until it returns a value (a thrown error counts as "not yet"), or fail after `timeoutMs` naming the last error. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, maxDelayMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let delay = 20
  let last = ''
  while (true) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = (error as Error).message
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`)
    await new Promise((r) => setTimeout(r, delay))
    delay = Math.min(delay * 2, maxDelayMs)
  }
}

export async function httpJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, {signal: AbortSignal.timeout(5000)})
    if (!res.ok) return undefined
    return (await res.json()) as T
  } catch {
    return undefined
  }
}

/** ip:port of every data node the master lists. */
export async function listedNodes(masterUrl: string): Promise<string[]> {
  type Dir = {Topology?: {DataCenters?: Array<{Racks?: Array<{DataNodes?: Array<{Url: string}>}>}>}}
  const status = await httpJson<Dir>(`${masterUrl}/dir/status`)
  return (status?.Topology?.DataCenters ?? []).flatMap((dc) => (dc.Racks ?? []).flatMap((r) => (r.DataNodes ?? []).map((n) => n.Url)))
}

/** Volumes per data node (ip:port) the master lists. */
export async function volumesPerNode(masterUrl: string): Promise<Map<string, number>> {
  type Dir = {Topology?: {DataCenters?: Array<{Racks?: Array<{DataNodes?: Array<{Url: string; Volumes?: number}>}>}>}}
  const status = await httpJson<Dir>(`${masterUrl}/dir/status`)
  return new Map((status?.Topology?.DataCenters ?? []).flatMap((dc) => (dc.Racks ?? []).flatMap((r) => (r.DataNodes ?? []).map((n) => [n.Url, n.Volumes ?? 0] as [string, number]))))
}

/**
 * Until each of `count` listed data nodes (or each of `needed`) holds a volume, ask the master to grow `replication` volumes (it places
 * new ones on the servers with the most free slots): where weed happened to put the first volumes is chance, and a
 * test that interrupts the drain of a server needs that server to hold something to drain.
 */
export async function everyNodeHoldsVolumes(masterUrl: string, count: number, replication: string, needed?: string[]): Promise<Map<string, number>> {
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)
  for (let attempt = 0; ; attempt++) {
    const volumes = await waitFor(`the master to list ${count} volume servers`, async () => {
      const v = await volumesPerNode(masterUrl)
      return v.size === count ? v : undefined
    }, 90_000)
    if ((needed ?? [...volumes.keys()]).every((node) => (volumes.get(node) ?? 0) > 0)) return volumes
    if (attempt === 6) throw new Error(`${needed ? needed.join(', ') : 'a volume server'} still holds no volume after ${attempt} grows: ${JSON.stringify(Object.fromEntries(volumes))}`)
    const before = total(volumes)
    await fetch(`${masterUrl}/vol/grow?replication=${replication}&count=2`, {signal: AbortSignal.timeout(30_000)})
    // The grown volumes show in the topology with the servers' next heartbeats.
    await waitFor('the grown volumes to be listed', async () => total(await volumesPerNode(masterUrl)) > before || undefined, 30_000)
  }
}

export function isListening(port: number): boolean {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols[3] === '0A' && Number.parseInt(cols[1]?.split(':')[1] ?? '', 16) === port) return true
    }
  }
  return false
}

/** The TCP ports process `pid` listens on (its sockets matched to /proc/net/tcp{,6} by inode). */
export function listeningPortsOf(pid: number): number[] {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (match) inodes.add(match[1])
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols[3] === '0A' && inodes.has(cols[9])) ports.add(Number.parseInt(cols[1]?.split(':')[1] ?? '', 16))
    }
  }
  return [...ports].sort((x, y) => x - y)
}
