/**
 * A real consumer runs the export: Debian's supervisord starts the exported config, a 4-volume cluster
 * becomes healthy through it, `import supervisor` of the running config gives back the same spec with nothing
 * lost, and `supervisorctl stop all` stops every weed process.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {s3ErrorCode, s3Request} from '../../src/s3/client.js'
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

/** Whatever happened, leave nothing running: the weed processes of a cluster, then its supervisord, by pid. */
function cleanUp(clusterDir: string, supervisord: number | undefined): void {
  for (const pid of [...pidsWithArg(clusterDir), ...(supervisord === undefined ? [] : [supervisord])]) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  rmSync(clusterDir, {recursive: true, force: true})
}

after(() => cleanUp(dir, supervisordPid))

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

describe('export supervisor with an S3 gateway: the identities file travels with the config', {timeout: 300_000}, () => {
  const s3Dir = mkdtempSync(join(tmpdir(), 'seaweedctl-supervisord-s3-'))
  const S3_OFFSET = 2700
  const endpoint = `http://127.0.0.1:${8333 + S3_OFFSET}`
  let pid: number | undefined
  after(() => cleanUp(s3Dir, pid))

  it('the gateway serves signed requests with the export\'s own keys, from a moved export directory, and refuses others', async () => {
    const weed = weedForTests()
    const init = cli(['cluster', 'init', '--volumes', '1', '--s3', '--port-offset', String(S3_OFFSET), ...WEED_VERSION_ARGS], s3Dir)
    assert.equal(init.status, 0, init.stderr)
    const exported = cli(['export', 'supervisor', '-o', 'exported', '--weed', weed, '--json'], s3Dir)
    assert.equal(exported.status, 0, exported.stderr + exported.stdout)
    // The export names its file relative to itself (%(here)s): moved elsewhere, it still runs.
    renameSync(join(s3Dir, 'exported'), join(s3Dir, 'moved'))
    const moved = join(s3Dir, 'moved')
    const identities = join(moved, 's3-identities.json')
    assert.equal(statSync(identities).mode & 0o777, 0o600)
    const admin = JSON.parse(readFileSync(identities, 'utf8')).identities.find((i: any) => i.name === 'admin').credentials[0]
    assert.doesNotMatch(readFileSync(join(moved, 'supervisord.conf'), 'utf8'), new RegExp(admin.secretKey))

    const started = spawnSync('supervisord', ['-c', join(moved, 'supervisord.conf')], {cwd: s3Dir, encoding: 'utf8', timeout: 60_000})
    assert.equal(started.status, 0, started.stderr + started.stdout)
    const pidPath = join(s3Dir, '.seaweed', 'supervisor', 'supervisord.pid')
    pid = await waitFor('supervisord pid file', 30_000, async () => (existsSync(pidPath) ? Number(readFileSync(pidPath, 'utf8').trim()) || undefined : undefined))

    const key = {accessKeyId: admin.accessKey, secretAccessKey: admin.secretKey, region: 'us-east-1'}
    await waitFor('a bucket made with the export\'s key', 180_000, async () => ((await s3Request(endpoint, key, 'PUT', '/exported')).status === 200 ? true : undefined))
    const put = await s3Request(endpoint, key, 'PUT', '/exported/hello.txt', {body: Buffer.from('hello')})
    assert.equal(put.status, 200, s3ErrorCode(put))
    const got = await s3Request(endpoint, key, 'GET', '/exported/hello.txt')
    assert.equal(got.body.toString('utf8'), 'hello')
    const wrong = await s3Request(endpoint, {...key, secretAccessKey: 'not-the-exported-secret-key'}, 'GET', '/exported/hello.txt')
    assert.equal(wrong.status, 403, s3ErrorCode(wrong))
    const unsigned = await httpGet(`${endpoint}/exported/hello.txt`)
    assert.equal(unsigned.status, 403)

    const shutdown = spawnSync('supervisorctl', ['-c', join(moved, 'supervisord.conf'), 'shutdown'], {encoding: 'utf8', timeout: 180_000})
    assert.equal(shutdown.status, 0, shutdown.stdout + shutdown.stderr)
    await waitFor('supervisord to exit', 180_000, async () => (commOf(pid!) === undefined ? true : undefined))
    await waitFor('every weed to exit', 60_000, async () => (pidsWithArg(s3Dir).filter((p) => commOf(p) === 'weed').length === 0 ? true : undefined))
  })
})
