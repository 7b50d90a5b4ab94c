import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, REPO, TEST_STATE_HOME, TEST_WEED_VERSION, testDir, waitFor, weedPidsUnder, weedSection} from '../helpers/cli.js'

/*
 * A cluster is never lost, and its promises outlive its daemon: the registry (`seaweedctl ls`), status/down after
 * the spec's dataDir was edited or the spec deleted, `down --force` past a SIGSTOPped daemon, the history of a
 * process that died while no daemon ran, and stopOnExit kept by a daemon that adopted the cluster.
 */

// Ports of this file: portOffset 3700 (master 13033, volumes 11780-11781, filer 12588); the API cluster picks its own.
const OFFSET = 3700

interface Proc {name: string; state: string; pid: number | null; restarts: number; lastRestart: {reason: string} | null}
interface Report {name: string; daemon: {pid: number} | null; notice?: string; processes: Proc[]}
interface Listed {name: string; state: string; specFile: string; specExists: boolean; runDir: string; daemonPid: number; endpoints: {master: string}}

/** A live process (a zombie, waiting for its parent to reap it, is not). */
const alive = (pid: number) => {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

describe('registry, moved and deleted specs, down --force, history across daemons', () => {
  const {dir, cleanup} = testDir('registry')
  const file = join(dir, 'seaweed.yaml')
  const spec = `portOffset: ${OFFSET}\n${weedSection()}volume:\n  count: 2\n`
  let stoppedDaemon: number | undefined
  after(async () => {
    if (stoppedDaemon !== undefined && alive(stoppedDaemon)) process.kill(stoppedDaemon, 'SIGKILL')
    await cleanup()
  })

  const status = async (): Promise<{code: number; report: Report}> => {
    const r = await cli(['status', '--json'], {cwd: dir, timeoutMs: 60_000})
    return {code: r.code, report: JSON.parse(r.stdout) as Report}
  }
  const ls = async (): Promise<Listed[]> => {
    const r = await cli(['ls', '--json'], {cwd: dir})
    assert.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as {clusters: Listed[]}).clusters
  }
  const up = async () => {
    writeFileSync(file, spec)
    const r = await cli(['up'], {cwd: dir})
    assert.equal(r.code, 0, r.stderr + r.stdout)
  }
  const nothingRuns = async () => {
    await waitFor('no weed process of the cluster', () => weedPidsUnder(dir).length === 0, 30_000)
    assert.deepEqual((await ls()).filter((c) => c.runDir.startsWith(dir)), [])
  }

  test('up registers the cluster: ls names it, its spec, run directory, daemon and endpoints (0600 in a 0700 directory)', async () => {
    await up()
    const [entry, ...others] = await ls()
    assert.deepEqual(others, [])
    const {report} = await status()
    assert.equal(entry.name, report.name)
    assert.equal(entry.state, 'running')
    assert.equal(entry.specFile, file)
    assert.equal(entry.specExists, true)
    assert.equal(entry.runDir, join(dir, '.seaweed', 'run'))
    assert.equal(entry.daemonPid, report.daemon!.pid)
    assert.equal(entry.endpoints.master, `http://127.0.0.1:${9333 + OFFSET}`)
    const registry = join(TEST_STATE_HOME, 'seaweedctl', 'clusters')
    assert.equal(statSync(registry).mode & 0o777, 0o700)
    for (const name of readdirSync(registry)) assert.equal(statSync(join(registry, name)).mode & 0o777, 0o600, name)
    const table = await cli(['ls'], {cwd: dir})
    assert.match(table.stdout, /NAME\s+STATE\s+DAEMON\s+SPEC\s+RUN DIR\s+ENDPOINTS/)
    assert.match(table.stdout, new RegExp(`running\\s+${report.daemon!.pid}\\s+${file}`))
  })

  test('kill -9 of the daemon, then of volume-2 while no daemon runs: status adopts, volume-2 has 1 restart "exited while unsupervised"', async () => {
    const before = (await status()).report
    const daemon = before.daemon!.pid
    process.kill(daemon, 'SIGKILL')
    await waitFor('the daemon gone', () => !alive(daemon), 10_000)
    assert.equal((await ls())[0].state, 'unsupervised')
    const victim = before.processes.find((p) => p.name === 'volume-2')!
    process.kill(victim.pid!, 'SIGKILL')
    await waitFor('volume-2 gone', () => !alive(victim.pid!), 10_000)
    const back = await waitFor('all RUNNING under a new daemon', async () => {
      const s = await status()
      return s.code === 0 && s.report.daemon!.pid !== daemon ? s.report : undefined
    }, 90_000)
    const v2 = back.processes.find((p) => p.name === 'volume-2')!
    assert.notEqual(v2.pid, victim.pid)
    assert.equal(v2.restarts, victim.restarts + 1, JSON.stringify(v2))
    assert.match(v2.lastRestart?.reason ?? '', new RegExp(`^exited while unsupervised, at or before \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(pid ${victim.pid}\\)$`))
    const table = await cli(['status'], {cwd: dir})
    assert.match(table.stdout, /volume-2 .*exited while unsupervised, at or before/)
    // The others were adopted as they were: same pid, no restart.
    for (const p of back.processes.filter((q) => q.name !== 'volume-2')) {
      const was = before.processes.find((q) => q.name === p.name)!
      assert.deepEqual([p.pid, p.restarts], [was.pid, was.restarts], p.name)
    }
    assert.equal((await ls())[0].daemonPid, back.daemon!.pid, 'the adopting daemon registered itself')
  })

  test('name edited: status says the running cluster has another name', async () => {
    const running = (await status()).report
    writeFileSync(file, `name: renamed\n${spec}`)
    const {code, report} = await status()
    assert.equal(code, 0)
    assert.equal(report.name, running.name)
    assert.equal(report.notice, `the running cluster is named "${running.name}"; seaweed.yaml names it "renamed": acting on the running one.`)
    writeFileSync(file, spec)
  })

  test('dataDir edited: status shows the running cluster and says it is elsewhere; logs reads its logs; down stops it', async () => {
    const running = (await status()).report
    writeFileSync(file, `${spec}dataDir: ./moved\n`)
    const {code, report} = await status()
    assert.equal(code, 0, JSON.stringify(report))
    assert.equal(report.daemon?.pid, running.daemon!.pid)
    assert.deepEqual(report.processes.map((p) => p.pid), running.processes.map((p) => p.pid))
    assert.match(report.notice ?? '', /the running cluster of seaweed\.yaml is elsewhere \(its dataDir is .*\/\.seaweed, the file says .*\/moved\)/)
    const table = await cli(['status'], {cwd: dir})
    assert.match(table.stdout, /RUNNING/)
    assert.match(table.stdout, /note: the running cluster of seaweed\.yaml is elsewhere/)
    const logs = await cli(['logs', 'master-1', '-n', '1'], {cwd: dir})
    assert.equal(logs.code, 0, logs.stderr)
    assert.equal(logs.stdout.trim().split('\n').length, 1)
    assert.match(logs.stderr, /elsewhere/)
    const down = await cli(['down'], {cwd: dir})
    assert.equal(down.code, 0, down.stderr)
    assert.match(down.stdout, /Stopped 4 processes/)
    assert.match(down.stderr, /elsewhere/)
    await nothingRuns()
    assert.equal(existsSync(join(dir, 'moved')), false, 'nothing was created at the new dataDir')
  })

  test('seaweed.yaml deleted: ls shows the cluster with its spec "(deleted)"; down in its directory stops it', async () => {
    await up()
    rmSync(file)
    const [entry] = await ls()
    assert.equal(entry.state, 'running')
    assert.equal(entry.specExists, false)
    assert.match((await cli(['ls'], {cwd: dir})).stdout, /seaweed\.yaml \(deleted\)/)
    const s = await status()
    assert.equal(s.code, 0)
    assert.match(s.report.notice ?? '', /seaweed\.yaml no longer exists; cluster ".*", started from it, still runs from/)
    const down = await cli(['down'], {cwd: dir})
    assert.equal(down.code, 0, down.stderr)
    assert.match(down.stdout, /Stopped 4 processes/)
    await nothingRuns()
    assert.equal((await cli(['down'], {cwd: dir})).code, 2, 'with no file and nothing running, down is bad input again')
  })

  for (const purge of [false, true]) {
    const args = purge ? ['down', '--purge', '--yes', '--force'] : ['down', '--force']
    test(`SIGSTOPped daemon: down names its pid and --force; ${args.join(' ')} leaves nothing running`, async () => {
      await up()
      const {report} = await status()
      // The last down (by the daemon, or by the CLI after --force) ended the history: nothing counts as a restart.
      assert.deepEqual(report.processes.filter((p) => p.restarts !== 0 || p.lastRestart !== null), [])
      stoppedDaemon = report.daemon!.pid
      process.kill(stoppedDaemon, 'SIGSTOP')
      assert.equal((await ls())[0].state, 'daemon-stopped')
      const refused = await cli(purge ? ['down', '--purge', '--yes'] : ['down'], {cwd: dir})
      assert.equal(refused.code, 5, refused.stderr)
      assert.match(refused.stderr, new RegExp(`pid ${stoppedDaemon}`))
      assert.match(refused.stderr, /seaweedctl down --force/)
      assert.ok(report.processes.every((p) => alive(p.pid!)), 'the refused down changed nothing')
      const forced = await cli(args, {cwd: dir})
      assert.equal(forced.code, 0, forced.stderr)
      assert.match(forced.stdout, new RegExp(`Killed the supervisor daemon \\(pid ${stoppedDaemon}\\)`))
      assert.equal(alive(stoppedDaemon), false)
      await nothingRuns()
      assert.equal(existsSync(join(dir, '.seaweed')), !purge)
    })
  }
})

describe('startCluster({stopOnExit}) is kept by a daemon that adopted the cluster', () => {
  const {dir, cleanup} = testDir('registry-owner')
  after(cleanup)

  test('kill -9 of the daemon, status adopts, kill -9 of the owner: the cluster stops', async () => {
    // The owner: a process that starts a cluster through the API and then waits to be killed.
    const script = `import {startCluster} from ${JSON.stringify(join(REPO, 'dist', 'index.js'))}
const c = await startCluster({dir: ${JSON.stringify(dir)}, volumes: 1, weedVersion: ${JSON.stringify(TEST_WEED_VERSION)}, stopOnExit: true})
console.log('READY ' + JSON.stringify({daemon: (await c.status()).daemon.pid}))
setInterval(() => {}, 1000)`
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    owner.stdout.on('data', (d: Buffer) => (out += d.toString()))
    try {
      const {daemon} = await waitFor('the cluster started by the owner', () => {
        const line = /READY (.*)/.exec(out)?.[1]
        return line ? (JSON.parse(line) as {daemon: number}) : undefined
      }, 120_000)
      const weeds = weedPidsUnder(dir)
      assert.equal(weeds.length, 3)
      process.kill(daemon, 'SIGKILL')
      await waitFor('the daemon gone', () => !alive(daemon), 10_000)
      const adopted = await cli(['status', '--json'], {cwd: dir})
      assert.equal(adopted.code, 0, adopted.stderr + adopted.stdout)
      const report = JSON.parse(adopted.stdout) as Report
      assert.notEqual(report.daemon!.pid, daemon)
      assert.deepEqual(report.processes.map((p) => p.pid).sort(), [...weeds].sort(), 'adopted, not restarted')
      owner.kill('SIGKILL')
      await waitFor('no weed process left once the owner is gone', () => weedPidsUnder(dir).length === 0, 60_000)
      await waitFor('the adopting daemon gone', () => !alive(report.daemon!.pid), 30_000)
    } finally {
      if (owner.exitCode === null) owner.kill('SIGKILL')
    }
  })
})
