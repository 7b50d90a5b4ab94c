import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {cli, listedNodes, testDir, TEST_WEED_VERSION, waitFor, weedPidsUnder, weedSection} from '../helpers/cli.js'
import {backgroundCli, drainUnderWay, filerFiles, inMaintenance} from '../helpers/interrupt.js'

// Ports of this file: portOffset 6100 (master 15433, volume servers 14180-14183, filer 14988; gRPC +10000).
// Addresses are read from `status --json`, never assumed.
const SPEC = `name: interrupt-roll
portOffset: 6100
${weedSection()}master:
  defaultReplication: "001"
volume:
  count: 4
  preStopSeconds: 1
  max: 30
filer:
  count: 1
`

interface Step {action: string; process: string; state: string; pid?: number | null; volumes?: {total: number; left: number}}
interface Journal {op: string; command: string; pid: number; interrupted?: {signal: string}; failed?: {reason: string}; steps: Step[]}
interface Report {
  daemon: {pid: number} | null
  endpoints: {master: string; filer?: string}
  processes: Array<{name: string; kind: string; state: string; pid: number | null}>
  operation?: {state: string; command: string; message: string; maintenance: string[]}
}

const log = (line: string) => process.stdout.write(`# [weed ${TEST_WEED_VERSION}] ${line}\n`)
const volumes = ['volume-1', 'volume-2', 'volume-3', 'volume-4']
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const secs = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`

describe('Ctrl-C and kill -9 in the middle of an apply, a rolling restart and a drain (replication 001, a writer running)', () => {
  const {dir, cleanup} = testDir('interrupt-roll')
  const file = join(dir, 'seaweed.yaml')
  const journalFile = join(dir, '.seaweed', 'run', 'operation.json')
  let master = ''
  let filer = ''
  const data = filerFiles(() => filer)
  let writer: {stop: () => Promise<number>} | undefined
  const started = Date.now()

  before(async () => {
    writeFileSync(file, SPEC)
    const up = await cli(['up'], {cwd: dir, timeoutMs: 300_000})
    assert.equal(up.code, 0, up.stderr + up.stdout)
    const report = (await status()).report
    master = report.endpoints.master
    filer = report.endpoints.filer!
    for (let i = 0; i < 60; i += 10) await Promise.all(Array.from({length: 10}, (_, k) => data.put(`base-${i + k}.bin`)))
    assert.equal(data.files.size, 60)
    writer = data.startWriter('w', 250)
  })
  after(async () => {
    log(`writer: ${await writer?.stop()} acknowledged writes; file took ${secs(started)}`)
    await cleanup()
  })

  const readJournal = (): Journal | undefined => {
    try {
      return JSON.parse(readFileSync(journalFile, 'utf8')) as Journal
    } catch {
      return undefined
    }
  }
  async function status(): Promise<{code: number; report: Report}> {
    const r = await cli(['status', '--json'], {cwd: dir, timeoutMs: 120_000})
    return {code: r.code, report: JSON.parse(r.stdout) as Report}
  }
  /** `restart --rolling` says "restarting volume-2"; `up` says it after "apply: ". */
  const restartLine = (output: () => string, name: string) => () => new RegExp(`^(?:apply: )?restarting ${name}\\b`, 'm').test(output())
  const restarts = (stdout: string) => [...stdout.matchAll(/^(?:apply: )?restarting (\S+)/gm)].map((m) => m[1])
  const restarted = (j: Journal | undefined) => j?.steps.filter((s) => s.action === 'restart' && s.state === 'done').map((s) => s.process) ?? []

  /** The interrupted operation as status names it: exit 3, the operation's state and message. */
  async function statusNames(state: string, message: RegExp): Promise<void> {
    const {code, report} = await status()
    assert.equal(code, 3, JSON.stringify(report.operation))
    assert.equal(report.operation?.state, state, report.operation?.message)
    assert.match(report.operation!.message, message)
    log(`status: ${report.operation!.message}`)
  }

  /** After the converging command: no journal, every process RUNNING on its plan, no maintenance mode, nothing lost. */
  async function converged(nodes = 4): Promise<void> {
    assert.equal(existsSync(journalFile), false, 'the journal is removed')
    const diff = await cli(['diff'], {cwd: dir})
    assert.equal(diff.code, 0, diff.stdout + diff.stderr)
    const {code, report} = await status()
    assert.equal(code, 0, JSON.stringify(report.processes.filter((p) => p.state !== 'RUNNING')))
    await waitFor(`the master to list ${nodes} volume servers`, async () => (await listedNodes(master)).length === nodes || undefined, 90_000)
    assert.deepEqual(await inMaintenance(master), [])
    await data.everyFileIdentical()
  }

  /** An edit that changes every volume server's flags (volume.max), applied by `up` in the background. */
  function applyEdit(): ReturnType<typeof backgroundCli> {
    const text = readFileSync(file, 'utf8')
    const max = Number(/^ {2}max: (\d+)$/m.exec(text)![1])
    writeFileSync(file, text.replace(/^ {2}max: \d+$/m, `  max: ${max + 1}`))
    return backgroundCli(['up'], dir)
  }

  async function finishWith(args: string[]): Promise<string> {
    const t = Date.now()
    const run = await cli(args, {cwd: dir, timeoutMs: 600_000})
    log(`${args.join(' ')}: exit ${run.code} in ${secs(t)}`)
    assert.equal(run.code, 0, run.stderr + run.stdout)
    return run.stdout
  }

  for (const [at, name, done] of [['before its first step completes', 'volume-1', 1], ['in the middle', 'volume-2', 2], ['after its last restart, before the final replica check', 'volume-4', 4]] as const) {
    test(`apply (volume.max) SIGINT ${at}: exit 130 once ${name} is back, status says ${done} of 4; up finishes`, async () => {
      const t = Date.now()
      const apply = applyEdit()
      const run = await apply.signalWhen(`"restarting ${name}"`, restartLine(apply.output, name), 'SIGINT')
      log(`apply: SIGINT at "restarting ${name}": exit ${run.code} ${run.exitMs} ms later (${secs(t)} in all)`)
      assert.equal(run.code, 130, apply.output())
      assert.match(apply.output(), new RegExp(`${done} of 4 restarted on the new plan`))
      const journal = readJournal()!
      assert.equal(journal.op, 'apply')
      assert.equal(journal.interrupted?.signal, 'SIGINT')
      assert.equal(restarted(journal).length, done, JSON.stringify(journal.steps))
      assert.ok(!journal.steps.some((s) => s.state === 'active'), 'the step under way was finished')
      await statusNames('interrupted', new RegExp(`interrupted by SIGINT .*\`seaweedctl up\`: ${done} of 4 restarted on the new plan.*run \`seaweedctl up\` to finish`))
      const stdout = await finishWith(['up'])
      assert.match(stdout, /settled the unfinished `seaweedctl up`/)
      assert.deepEqual(restarts(stdout), volumes.slice(done), 'up restarts only what was left')
      await converged()
    })
  }

  test('apply (volume.max) kill -9 of the CLI while volume-3 restarts: status names it (pid dead); up finishes', async () => {
    const apply = applyEdit()
    const run = await apply.signalWhen('"restarting volume-3"', restartLine(apply.output, 'volume-3'), 'SIGKILL')
    assert.equal(run.code, null)
    const journal = readJournal()!
    assert.equal(journal.op, 'apply')
    assert.deepEqual(restarted(journal), ['volume-1', 'volume-2'])
    await statusNames('killed', /interrupted: its command \(pid \d+\) ended without finishing: `seaweedctl up`: 2 of 4 restarted on the new plan.*run `seaweedctl up` to finish/)
    await finishWith(['up'])
    await converged()
  })

  for (const [at, name, done, finish] of [['before its first step completes', 'volume-1', 1, 'again'], ['in the middle', 'volume-2', 2, 'again'], ['at its last step', 'volume-4', 4, 'up']] as const) {
    test(`restart --rolling volume SIGINT ${at}: exit 130 once ${name} is back; ${finish === 'up' ? 'up settles it' : 'running it again restarts only the rest'}`, async () => {
      const roll = backgroundCli(['restart', '--rolling', 'volume'], dir)
      const run = await roll.signalWhen(`"restarting ${name}"`, restartLine(roll.output, name), 'SIGINT')
      log(`restart --rolling: SIGINT at "restarting ${name}": exit ${run.code} ${run.exitMs} ms later`)
      assert.equal(run.code, 130, roll.output())
      const journal = readJournal()!
      assert.equal(journal.op, 'restart')
      assert.equal(restarted(journal).length, done, JSON.stringify(journal.steps))
      await statusNames('interrupted', new RegExp(`interrupted by SIGINT .*\`seaweedctl restart --rolling volume\`: ${done} of 4 restarted .*run \`seaweedctl restart --rolling volume\` to finish`))
      if (finish === 'up') {
        assert.match(await finishWith(['up']), /settled the unfinished `seaweedctl restart --rolling volume`/)
      } else {
        const stdout = await finishWith(['restart', '--rolling', 'volume'])
        assert.match(stdout, new RegExp(`resuming the interrupted \`seaweedctl restart --rolling volume\`: ${restarted(journal).join(', ')} already restarted`))
        assert.deepEqual(restarts(stdout), volumes.slice(done))
      }
      await converged()
    })
  }

  test('restart --rolling volume kill -9 of the CLI while volume-2 restarts: status names it; running it again restarts volume-3 and volume-4 only', async () => {
    const before = new Map((await status()).report.processes.map((p) => [p.name, p.pid]))
    const roll = backgroundCli(['restart', '--rolling', 'volume'], dir)
    // The journal records the step before the CLI asks the daemon: a kill between the two leaves volume-2 as it was
    // (and running the command again restarts it; see roll-journal.test.ts). This case is the other one: the kill
    // comes once the daemon has been asked, seen as volume-2's old process gone while the step is still under way.
    const oldPid = before.get('volume-2')!
    const asked = () => readJournal()?.steps.find((s) => s.process === 'volume-2')?.state === 'active' && !alive(oldPid)
    const run = await roll.signalWhen('volume-2\'s step under way in the journal and its old process gone', asked, 'SIGKILL', 300_000, 20)
    assert.equal(run.code, null)
    await statusNames('killed', /interrupted: its command \(pid \d+\) ended without finishing: `seaweedctl restart --rolling volume`: 1 of 4 restarted \(volume-1\); volume-2 restarting; not yet: volume-3, volume-4; run `seaweedctl restart --rolling volume` to finish/)
    // The daemon finishes the restart it was asked for: volume-2 comes back on a new pid without the CLI.
    await waitFor('volume-2 RUNNING on a new pid', async () => {
      const p = (await status()).report.processes.find((q) => q.name === 'volume-2')
      return p?.state === 'RUNNING' && p.pid !== before.get('volume-2')
    }, 120_000)
    const stdout = await finishWith(['restart', '--rolling', 'volume'])
    assert.match(stdout, /volume-1, volume-2 already restarted/)
    assert.deepEqual(restarts(stdout), ['volume-3', 'volume-4'])
    await converged()
  })

  test('kill -9 of the DAEMON while volume-4 drains (scale volume 3): the CLI fails clearly, weed keeps serving, status adopts and names it, up finishes', async () => {
    const daemonPid = (await status()).report.daemon!.pid
    const weeds = weedPidsUnder(dir).sort()
    const scale = backgroundCli(['scale', 'volume', '3'], dir)
    const t = Date.now()
    const underWay = drainUnderWay('volume-4')
    await scale.when('volume-4\'s drain under way', () => underWay(readJournal()))
    // The daemon dies; the CLI lives on.
    process.kill(daemonPid, 'SIGKILL')
    let timer: NodeJS.Timeout | undefined
    const code = await Promise.race([scale.exited, new Promise<'hung'>((r) => {
      timer = setTimeout(() => r('hung'), 300_000)
    })]).finally(() => clearTimeout(timer))
    log(`scale volume 3 after the daemon's kill -9: exit ${code} ${secs(t)} after it began`)
    assert.equal(code, 5, scale.output())
    assert.match(scale.output(), /the supervisor daemon stopped answering during `seaweedctl scale volume 3`.*weed processes keep serving/)
    assert.deepEqual(weedPidsUnder(dir).sort(), weeds, 'every weed process kept running')
    const res = await fetch(`${filer}/data/base-0.bin`)
    assert.equal(res.status, 200, 'the filer serves without a daemon')
    await res.arrayBuffer()
    await statusNames('interrupted', /interrupted: the supervisor daemon died at .*`seaweedctl scale volume 3`: .*run `seaweedctl up` to finish or `seaweedctl scale volume 4` to undo/)
    assert.notEqual((await status()).report.daemon?.pid, daemonPid, 'a new daemon adopted the cluster')
    await finishWith(['up'])
    assert.match(readFileSync(file, 'utf8'), /count: 3/)
    await converged(3)
  })
})
