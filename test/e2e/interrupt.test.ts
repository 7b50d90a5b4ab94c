import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, everyNodeHoldsVolumes, listedNodes, testDir, TEST_WEED_VERSION, waitFor, weedSection} from '../helpers/cli.js'
import {backgroundCli, drainUnderWay, filerFiles, inMaintenance as maintenanceNodes} from '../helpers/interrupt.js'

// Ports of this file: portOffset 3700 (master 13033, volumes 11780-11783, filer 12588).
const MASTER = 'http://127.0.0.1:13033'
const FILER = 'http://127.0.0.1:12588'
const SPEC = `name: interrupted
portOffset: 3700
master: {defaultReplication: "001"}
volume: {count: 4, preStopSeconds: 1}
filer: {count: 1}
${weedSection()}`

const log = (line: string) => process.stdout.write(`# [weed ${TEST_WEED_VERSION}] ${line}\n`)

interface JournalStep {action: string; process: string; state: string; volumes?: {total: number; left: number}}
interface Journal {command: string; pid: number; interrupted?: {signal: string}; shell?: {pid: number}; steps: JournalStep[]}

describe('Ctrl-C and kill -9 of `scale volume` in the middle of a drain (replication 001, a writer running)', () => {
  const {dir, cleanup} = testDir('interrupt')
  after(cleanup)
  const journalFile = join(dir, '.seaweed', 'run', 'operation.json')
  const data = filerFiles(() => FILER)
  const {files, put, everyFileIdentical} = data
  // Every writer is stopped at the end, also one a failed test left running (it would keep this file's process alive).
  const writers: Array<{stop: () => Promise<number>}> = []
  const startWriter = (prefix: string) => {
    const started = data.startWriter(prefix)
    writers.push(started)
    return started
  }
  let writer: {stop: () => Promise<number>} | undefined
  after(async () => {
    await Promise.all(writers.map((w) => w.stop()))
  })

  const readJournal = (): Journal | undefined => {
    try {
      return JSON.parse(readFileSync(journalFile, 'utf8')) as Journal
    } catch {
      return undefined
    }
  }

  const inMaintenance = () => maintenanceNodes(MASTER)

  /** `scale volume N` in the background, stopped with `signal` once `ready(journal)` holds. */
  async function interruptScale(count: number, signal: NodeJS.Signals, ready: (j: Journal) => boolean, what: string): Promise<{code: number | null; stderr: string; exitMs: number; journal: Journal}> {
    const scale = backgroundCli(['scale', 'volume', String(count)], dir)
    const run = await scale.signalWhen(what, () => {
      const j = readJournal()
      return j && ready(j) ? j : undefined
    }, signal)
    return {code: run.code, stderr: scale.output(), exitMs: run.exitMs, journal: run.at}
  }

  const status = async () => {
    const r = await cli(['status', '--json'], {cwd: dir})
    return {code: r.code, report: JSON.parse(r.stdout) as {operation?: {state: string; message: string; maintenance: string[]}; processes: Array<{name: string; state: string}>}}
  }
  const drainStarted = drainUnderWay
  const listed = (n: number) => waitFor(`the master to list ${n} volume servers`, async () => (await listedNodes(MASTER)).length === n || undefined, 90_000)

  test('up with 4 volume servers; 150 files through the filer', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), SPEC)
    const result = await cli(['up'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    for (let i = 0; i < 150; i += 10) await Promise.all(Array.from({length: 10}, (_, k) => put(`a-${i + k}.bin`)))
    assert.equal(files.size, 150)
    log(`volumes per server: ${JSON.stringify(Object.fromEntries(await everyNodeHoldsVolumes(MASTER, 4, '001')))}`)
  })

  test('SIGINT while volume-4 drains: exit 130 at once, no maintenance mode, status and diff name it; `up` finishes the scale', async () => {
    writer = startWriter('w1')
    const run = await interruptScale(3, 'SIGINT', drainStarted('volume-4'), 'volume-4\'s drain under way')
    log(`SIGINT at ${JSON.stringify(run.journal.steps[0].volumes)} of volume-4's drain: exit ${run.code} after ${run.exitMs} ms`)
    assert.equal(run.code, 130, run.stderr)
    assert.match(run.stderr, /interrupted by SIGINT/)
    assert.deepEqual(await inMaintenance(), [])
    const {code, report} = await status()
    assert.equal(code, 3)
    assert.equal(report.operation?.state, 'interrupted')
    assert.match(report.operation!.message, /volume-4 drained \d+ of \d+ volumes/)
    assert.match(report.operation!.message, /run `seaweedctl up` to finish or `seaweedctl scale volume 4` to undo/)
    const diff = await cli(['diff'], {cwd: dir})
    assert.equal(diff.code, 1, diff.stdout)
    assert.match(diff.stdout, /interrupted by SIGINT/)
    // daemon.log tells the story afterwards: the command's steps, each with its time.
    const daemonLog = readFileSync(join(dir, '.seaweed', 'run', 'daemon.log'), 'utf8')
    assert.match(daemonLog, /^\S+Z \[seaweedctl scale volume 3, pid \d+\] draining volume-4 \(/m)
    const started = Date.now()
    const finish = await cli(['up'], {cwd: dir, timeoutMs: 600_000})
    log(`up after SIGINT: exit ${finish.code} in ${((Date.now() - started) / 1000).toFixed(1)}s`)
    assert.equal(finish.code, 0, finish.stderr + finish.stdout)
    assert.equal(existsSync(journalFile), false)
    await listed(3)
    assert.match(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), /count: 3/)
    assert.match(readFileSync(join(dir, '.seaweed', 'run', 'daemon.log'), 'utf8'), /^\S+Z volume-4: stopped$/m)
    assert.deepEqual(await inMaintenance(), [])
    assert.equal((await status()).code, 0)
    log(`writer: ${await writer.stop()} acknowledged writes`)
    await everyFileIdentical()
  })

  test('kill -9 of the CLI while volume-3 drains: status says so; `scale volume 3` ends maintenance mode and undoes it', async () => {
    writer = startWriter('w2')
    const run = await interruptScale(2, 'SIGKILL', drainStarted('volume-3'), 'volume-3\'s drain under way')
    assert.equal(run.code, null)
    const {code, report} = await status()
    assert.equal(code, 3)
    assert.equal(report.operation?.state, 'killed')
    assert.match(report.operation!.message, /ended without finishing/)
    if (TEST_WEED_VERSION !== '4.30') assert.deepEqual(report.operation!.maintenance, ['volume-3'])
    const started = Date.now()
    const undo = await cli(['scale', 'volume', '3'], {cwd: dir, timeoutMs: 600_000})
    log(`scale volume 3 after kill -9: exit ${undo.code} in ${((Date.now() - started) / 1000).toFixed(1)}s`)
    assert.equal(undo.code, 0, undo.stderr + undo.stdout)
    assert.match(undo.stdout, /settled the unfinished `seaweedctl scale volume 2`/)
    assert.equal(existsSync(journalFile), false)
    assert.deepEqual(await inMaintenance(), [])
    await listed(3)
    assert.equal((await status()).code, 0)
    log(`writer: ${await writer.stop()} acknowledged writes`)
    await everyFileIdentical()
  })

  test('SIGINT while volume-4 and volume-3 drain together (4 → 2, a writer running): status names both; `up` finishes at 2', async () => {
    const back = await cli(['scale', 'volume', '4'], {cwd: dir, timeoutMs: 600_000})
    assert.equal(back.code, 0, back.stderr + back.stdout)
    // volume-3 (kept through the last cases) must hold volumes, so its drain is under way long enough to interrupt.
    log(`volumes per server: ${JSON.stringify(Object.fromEntries(await everyNodeHoldsVolumes(MASTER, 4, '001', ['127.0.0.4:11782'])))}`)
    writer = startWriter('w3')
    const run = await interruptScale(2, 'SIGINT', drainStarted('volume-3'), 'volume-3\'s drain under way')
    log(`SIGINT during the drain of volume-4 ${JSON.stringify(run.journal.steps[0].volumes)} and volume-3 ${JSON.stringify(run.journal.steps[1].volumes)}: exit ${run.code} after ${run.exitMs} ms`)
    assert.equal(run.code, 130, run.stderr)
    assert.deepEqual(run.journal.steps.map((s) => [s.action, s.process, s.state]), [['drain', 'volume-4', 'active'], ['drain', 'volume-3', 'active'], ['stop', 'volume-4', 'pending'], ['stop', 'volume-3', 'pending']])
    assert.deepEqual(await inMaintenance(), [])
    const {code, report} = await status()
    assert.equal(code, 3)
    assert.match(report.operation!.message, /volume-4 drained \d+ of \d+ volumes; volume-3 drained \d+ of \d+ volumes/)
    assert.match(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), /count: 4/, 'seaweed.yaml says what runs')
    const finish = await cli(['up'], {cwd: dir, timeoutMs: 600_000})
    assert.equal(finish.code, 0, finish.stderr + finish.stdout)
    assert.equal(existsSync(journalFile), false)
    await listed(2)
    assert.match(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), /count: 2/)
    assert.deepEqual(await inMaintenance(), [])
    log(`writer: ${await writer.stop()} acknowledged writes`)
    await everyFileIdentical()
  })

  test('scale volume 4, then 2 with a writer running: both drain at once and stop; no maintenance mode; every file identical', async () => {
    const back = await cli(['scale', 'volume', '4'], {cwd: dir, timeoutMs: 600_000})
    assert.equal(back.code, 0, back.stderr + back.stdout)
    writer = startWriter('w4')
    const started = Date.now()
    const down = await cli(['scale', 'volume', '2', '--json'], {cwd: dir, timeoutMs: 600_000})
    assert.equal(down.code, 0, down.stderr + down.stdout)
    const out = JSON.parse(down.stdout) as {removed: string[]; drainMs: Record<string, number>}
    log(`scale volume 2 with a writer: ${((Date.now() - started) / 1000).toFixed(1)}s, drains ${JSON.stringify(out.drainMs)}`)
    assert.deepEqual(out.removed, ['volume-4', 'volume-3'])
    assert.equal(existsSync(journalFile), false)
    await listed(2)
    assert.deepEqual(await inMaintenance(), [])
    log(`writer: ${await writer.stop()} acknowledged writes`)
    await everyFileIdentical()
  })
})
