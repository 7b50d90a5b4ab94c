import assert from 'node:assert/strict'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'

import {BIN, listedNodes, waitFor, weedBinary} from './cli.js'

/**
 * What the interruption tests share: files written through the filer (only acknowledged ones must survive), a
 * writer that keeps writing while an operation is interrupted, weed's own word on maintenance mode, and a CLI
 * run in the background that the test stops with a signal at a point it sees (a stdout line, the journal).
 */
export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

export interface FilerFiles {
  /** name → sha256 of every file the filer acknowledged. */
  files: Map<string, string>
  put(name: string): Promise<void>
  /** Writes one file after another until stopped; returns how many were acknowledged. */
  startWriter(prefix: string, pauseMs?: number): {stop: () => Promise<number>}
  /** Every acknowledged file reads back identical (a few reads at once). */
  everyFileIdentical(): Promise<void>
}

export function filerFiles(filer: () => string): FilerFiles {
  const files = new Map<string, string>()
  async function put(name: string): Promise<void> {
    const data = randomBytes(300 + Math.floor(Math.random() * 8000))
    const form = new FormData()
    form.append('file', new Blob([data]), name)
    const res = await fetch(`${filer()}/data/${name}`, {method: 'POST', body: form, signal: AbortSignal.timeout(20_000)})
    await res.arrayBuffer()
    if (res.ok) files.set(name, sha256(data))
  }
  function startWriter(prefix: string, pauseMs = 0): {stop: () => Promise<number>} {
    let stopped = false
    let n = 0
    const before = files.size
    const loop = (async () => {
      while (!stopped) {
        await put(`${prefix}-${n++}.bin`).catch(() => undefined)
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs))
      }
    })()
    return {stop: async () => {
      stopped = true
      await loop
      return files.size - before
    }}
  }
  async function readBack(name: string, digest: string): Promise<void> {
    const data = await waitFor(`${name} readable`, async () => {
      const res = await fetch(`${filer()}/data/${name}`, {signal: AbortSignal.timeout(10_000)}).catch(() => undefined)
      return res?.ok ? Buffer.from(await res.arrayBuffer()) : undefined
    }, 30_000)
    assert.equal(sha256(data), digest, `${name} differs`)
  }
  async function everyFileIdentical(): Promise<void> {
    const all = [...files]
    for (let i = 0; i < all.length; i += 16) await Promise.all(all.slice(i, i + 16).map(([name, digest]) => readBack(name, digest)))
  }
  return {files, put, startWriter, everyFileIdentical}
}

/** The volume servers (of those the master lists) that weed itself reports in maintenance mode. */
export async function inMaintenance(masterUrl: string): Promise<string[]> {
  const nodes = await listedNodes(masterUrl)
  const out = execFileSync(weedBinary(), ['-logtostderr=false', 'shell', `-master=${masterUrl.replace(/^http:\/\//, '')}`], {input: `volumeServer.state -nodes ${nodes.join(',')}\n`, encoding: 'utf8', timeout: 30_000})
  return [...out.matchAll(/^(\S+)\s+->\s+Maintenance mode:\s*yes/gm)].map((m) => m[1])
}

export interface BackgroundCli {
  child: ChildProcess
  /** stdout and stderr so far, interleaved. */
  output: () => string
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
  /**
   * Wait until `ready()` holds while the command still runs (it ending first fails). `everyMs` caps the time between
   * looks, for a point that lasts only a moment.
   */
  when<T>(what: string, ready: () => T | undefined | false, timeoutMs?: number, everyMs?: number): Promise<T>
  /** when(), then send `signal` and wait for the command to exit. */
  signalWhen<T>(what: string, ready: () => T | undefined | false, signal: NodeJS.Signals, timeoutMs?: number, everyMs?: number): Promise<{at: T; code: number | null; exitMs: number}>
}

/** The built CLI in the background, as a user would start it, to be interrupted at a point the test sees. */
export function backgroundCli(args: string[], cwd: string): BackgroundCli {
  const child = spawn(process.execPath, [BIN, ...args], {cwd, env: {...process.env, CI: 'true'}})
  let output = ''
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString()
  })
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString()
  })
  let ended = false
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    ended = true
    resolve(code)
  }))
  async function when<T>(what: string, ready: () => T | undefined | false, timeoutMs = 300_000, everyMs?: number): Promise<T> {
    const at = await waitFor(what, () => (ended ? {ended} : (ready() || undefined)), timeoutMs, everyMs).catch((error: Error) => {
      child.kill('SIGKILL')
      throw error
    })
    // The command ended before the point: fail at once, naming what it said.
    if (ended) throw new Error(`\`seaweedctl ${args.join(' ')}\` ended before ${what}: ${output}`)
    return at as T
  }
  return {
    child,
    output: () => output,
    exited,
    when,
    async signalWhen(what, ready, signal, timeoutMs = 300_000, everyMs) {
      const at = await when(what, ready, timeoutMs, everyMs)
      const sent = Date.now()
      child.kill(signal)
      const code = await exited
      return {at: at as NonNullable<typeof at>, code, exitMs: Date.now() - sent}
    },
  }
}

interface DrainStep {action: string; process: string; state: string; volumes?: {total: number; left: number}}

/** The drain of `name` under way in a journal: a volume moved, or 2 s into it (a server may hold a single volume). */
export function drainUnderWay(name: string): (journal: {steps: DrainStep[]} | undefined) => boolean {
  let seen: number | undefined
  return (journal) => {
    const step = journal?.steps.find((s) => s.action === 'drain' && s.process === name && s.state === 'active' && s.volumes)
    if (!step) return false
    seen ??= Date.now()
    return step.volumes!.left < step.volumes!.total || Date.now() - seen > 2000
  }
}
