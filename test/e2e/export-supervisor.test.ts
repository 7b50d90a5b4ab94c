/**
 * A real consumer runs the export: Debian's supervisord starts the exported config, a 4-volume cluster
 * becomes healthy through it, `import supervisor` of the running config gives back the same spec with nothing
 * lost, and `supervisorctl stop all` stops every weed process.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {planFromFile} from '../../src/services/plan.js'
import {cli, commOf, ensureBuilt, httpGet, pidsWithArg, ROOT, waitFor, WEED_VERSION_ARGS, weedForTests} from '../helpers/e2e.js'

const OFFSET = 2400
const MASTER = `http://127.0.0.1:${9333 + OFFSET}`
const FILER = `http://127.0.0.1:${8888 + OFFSET}`
const VOLUMES = [0, 1, 2, 3].map((i) => `127.0.0.1:${8080 + OFFSET + i}`)

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-supervisord-'))
const conf = join(dir, 'out', 'supervisord.conf')
const pidFile = join(dir, '.seaweed', 'supervisor', 'supervisord.pid')
let supervisordPid: number | undefined

function supervisorctl(...args: string[]) {
  return spawnSync('supervisorctl', ['-c', conf, ...args], {encoding: 'utf8', timeout: 180_000})
}

before(() => {
  execFileSync('bash', [join(ROOT, 'scripts', 'install-validators.sh')], {stdio: 'inherit', timeout: 600_000})
  ensureBuilt()
})

after(() => {
  // Whatever happened, leave nothing running: weed processes of this cluster, then supervisord, by pid.
  for (const pid of pidsWithArg(dir)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  if (supervisordPid !== undefined) {
    try {
      process.kill(supervisordPid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  rmSync(dir, {recursive: true, force: true})
})

/** Write a file through the filer and read it back (retried until the deadline: volumes may still be growing). */
async function writeAndRead(content: string): Promise<void> {
  await waitFor('a write and read through the filer', 120_000, async () => {
    const form = new FormData()
    form.append('file', new Blob([content]), 'hello.txt')
    const put = await fetch(`${FILER}/e2e/hello.txt`, {method: 'POST', body: form, signal: AbortSignal.timeout(30_000)})
    if (put.status >= 300) throw new Error(`write answered ${put.status}: ${await put.text()}`)
    const got = await httpGet(`${FILER}/e2e/hello.txt`, 30_000)
    return got.status === 200 && got.body === content ? true : undefined
  })
}

describe('export supervisor, run by supervisord', {timeout: 600_000}, () => {
  it('brings a 4-volume cluster to health, and `supervisorctl stop all` stops it', async (t) => {
    const weed = weedForTests()
    const init = cli(['cluster', 'init', '--volumes', '4', '--replication', '001', '--port-offset', String(OFFSET), ...WEED_VERSION_ARGS], dir)
    assert.equal(init.status, 0, init.stderr)
    const exported = cli(['export', 'supervisor', '-o', 'out', '--weed', weed, '--json'], dir)
    assert.equal(exported.status, 0, exported.stderr + exported.stdout)
    const result = JSON.parse(exported.stdout)
    assert.deepEqual(result.files, [{path: conf, kind: 'supervisord-config', bytes: statSync(conf).size}])
    assert.equal(result.weed.path, weed)
    assert.equal(statSync(join(dir, '.seaweed', 'supervisor')).mode & 0o777, 0o700)

    const started = spawnSync('supervisord', ['-c', conf], {cwd: dir, encoding: 'utf8', timeout: 60_000})
    assert.equal(started.status, 0, started.stderr + started.stdout)
    supervisordPid = await waitFor('supervisord pid file', 30_000, async () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || undefined : undefined))
    const t0 = Date.now()

    const leader = await waitFor('a master leader', 120_000, async () => {
      const r = await httpGet(`${MASTER}/cluster/status`, 30_000)
      return r.status === 200 && JSON.parse(r.body).Leader ? JSON.parse(r.body).Leader as string : undefined
    })
    assert.match(leader, new RegExp(`^127\\.0\\.0\\.1:${9333 + OFFSET}`))
    await waitFor('4 volume servers in the topology', 120_000, async () => {
      const topology = JSON.parse((await httpGet(`${MASTER}/dir/status`, 30_000)).body).Topology
      const urls = (topology.DataCenters ?? []).flatMap((dc: any) => (dc.Racks ?? []).flatMap((r: any) => (r.DataNodes ?? []).map((n: any) => n.Url)))
      return VOLUMES.every((v) => urls.includes(v)) && urls.length === 4 ? true : undefined
    })
    await waitFor('filer /healthz 200', 120_000, async () => ((await httpGet(`${FILER}/healthz`)).status === 200 ? true : undefined))
    await writeAndRead(`written through supervisord at ${new Date().toISOString()}`)
    t.diagnostic(`healthy and writable ${Date.now() - t0} ms after supervisord started`)

    // supervisord watches weed itself (sh exec'd into env, env into weed), so its signals reach weed.
    // supervisord calls a program RUNNING only after its startsecs, which can be later than weed is healthy.
    const status = await waitFor('supervisord to report every program RUNNING', 60_000, async () => {
      const answer = supervisorctl('status')
      return answer.stdout.trim().split('\n').every((row) => /RUNNING\s+pid \d+/.test(row)) ? answer : undefined
    })
    const rows = status.stdout.trim().split('\n')
    assert.equal(rows.length, 6, status.stdout)
    for (const row of rows) {
      assert.match(row, /RUNNING\s+pid \d+/, row)
      assert.equal(commOf(Number(/pid (\d+)/.exec(row)![1])), 'weed', row)
    }
    const weedPids = pidsWithArg(dir).filter((pid) => commOf(pid) === 'weed')
    assert.equal(weedPids.length, 6)

    // The config supervisord is running imports back into the same cluster, losing nothing.
    const imported = cli(['import', 'supervisor', conf, '--file', 'imported.yaml', '--json'], dir)
    assert.equal(imported.status, 0, imported.stderr + imported.stdout)
    const report = JSON.parse(imported.stdout)
    assert.deepEqual(report.notes.filter((n: {severity: string}) => n.severity !== 'changed'), [], JSON.stringify(report.notes))
    // The same processes with the same flags (the import folds portOffset into the ports).
    const essentials = (file: string) => planFromFile(join(dir, file)).processes.map((p) => ({name: p.name, args: p.args, env: p.env, placement: p.placement, stop: p.stopTimeoutMs}))
    assert.deepEqual(essentials('imported.yaml'), essentials('seaweed.yaml'))

    const stopStart = Date.now()
    const stopped = supervisorctl('stop', 'all')
    assert.equal(stopped.status, 0, stopped.stdout + stopped.stderr)
    t.diagnostic(`supervisorctl stop all took ${Date.now() - stopStart} ms`)
    const log = readFileSync(join(dir, '.seaweed', 'supervisor', 'supervisord.log'), 'utf8')
    const killed = log.split('\n').filter((l) => /SIGKILL/.test(l))
    if (killed.length > 0) t.diagnostic(`supervisord needed SIGKILL after stopwaitsecs: ${killed.join(' | ')}`)
    for (const row of supervisorctl('status').stdout.trim().split('\n')) assert.match(row, /STOPPED/, row)
    assert.deepEqual(pidsWithArg(dir).filter((pid) => commOf(pid) === 'weed'), [], 'a weed process outlived `supervisorctl stop all`')
    for (const pid of weedPids) assert.equal(commOf(pid), undefined, `weed pid ${pid} is still there`)

    // Again, with the ordered stop the config recommends: `supervisorctl shutdown` stops kinds in reverse
    // priority order, so the filer flushes while masters and volume servers still run: nothing is killed.
    const restarted = supervisorctl('start', 'all')
    assert.equal(restarted.status, 0, restarted.stdout + restarted.stderr)
    await writeAndRead(`second write at ${new Date().toISOString()}`)
    const before = readFileSync(join(dir, '.seaweed', 'supervisor', 'supervisord.log'), 'utf8').length
    const shutdownStart = Date.now()
    const shutdown = supervisorctl('shutdown')
    assert.equal(shutdown.status, 0, shutdown.stdout + shutdown.stderr)
    await waitFor('supervisord to exit', 180_000, async () => (commOf(supervisordPid!) === undefined ? true : undefined))
    t.diagnostic(`supervisorctl shutdown took ${Date.now() - shutdownStart} ms`)
    const tail = readFileSync(join(dir, '.seaweed', 'supervisor', 'supervisord.log'), 'utf8').slice(before)
    assert.doesNotMatch(tail, /SIGKILL/, tail)
    assert.equal((tail.match(/stopped: \S+ \(exit status 0\)/g) ?? []).length, 6, tail)
    assert.deepEqual(pidsWithArg(dir).filter((pid) => commOf(pid) === 'weed'), [])
  })
})
