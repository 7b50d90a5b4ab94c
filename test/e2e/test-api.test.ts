import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {createServer} from 'node:net'
import {after, describe, test} from 'node:test'

import type {UpEvent} from '../../src/index.js'
import {cli, isListening, pidsUnder, REPO, TEST_WEED_VERSION, testDir, waitFor, weedPidsUnder, WEED_VERSION_ARGS} from '../helpers/cli.js'

// Ports of this file: automatic (--port-offset auto, from 2000 up); no fixed offset.

interface Report {processes: Array<{name: string; state: string; ports: {http: number; grpc: number}}>; endpoints: {filer: string}}

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const {NODE_TEST_CONTEXT: _, ...rest} = env
  return rest
}

function portsOf(report: Report): number[] {
  return report.processes.flatMap((p) => [p.ports.http, p.ports.grpc])
}

describe('4 clusters started at once with --port-offset auto', () => {
  const clusters = [1, 2, 3, 4].map((i) => testDir(`auto${i}`))
  after(async () => {
    await Promise.all(clusters.map((c) => c.cleanup()))
  })

  test('all come up healthy, with 4 different port sets', async () => {
    const ups = await Promise.all(clusters.map((c) => cli(['up', '--volumes', '2', '--port-offset', 'auto', '--json', ...WEED_VERSION_ARGS], {cwd: c.dir, timeoutMs: 300_000})))
    for (const r of ups) assert.equal(r.code, 0, r.stdout + r.stderr)
    const offsets = ups.map((r) => JSON.parse(r.stdout).portOffset as number)
    assert.equal(new Set(offsets).size, 4, `offsets ${offsets.join(', ')}`)
    const reports: Report[] = []
    for (const c of clusters) {
      const status = await cli(['status', '--json'], {cwd: c.dir})
      assert.equal(status.code, 0, status.stdout)
      reports.push(JSON.parse(status.stdout))
    }
    const all = reports.flatMap(portsOf)
    assert.equal(new Set(all).size, all.length, 'no port is in two clusters')
    // The chosen offset is in each new spec, so the next up uses the same ports.
    clusters.forEach((c, i) => assert.match(readFileSync(join(c.dir, 'seaweed.yaml'), 'utf8'), new RegExp(`^portOffset: ${offsets[i]}\\b`, 'm')))
    for (const r of reports) assert.equal((await fetch(`${r.endpoints.filer}/healthz`)).status, 200)
  })

  test('up --reuse returns the running cluster when the spec is the same (not under CI)', async () => {
    const r = await cli(['up', '--reuse', '--json'], {cwd: clusters[0].dir, env: {CI: ''}})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const result = JSON.parse(r.stdout)
    assert.equal(result.reused, true)
    assert.equal(result.ready, true)
  })

  test('up --reuse fails, changing nothing, when the spec no longer matches the running cluster', async () => {
    const file = join(clusters[0].dir, 'seaweed.yaml')
    const before = readFileSync(file, 'utf8')
    writeFileSync(file, before.replace(/^(\s+preStopSeconds:) \d+/m, '$1 2'))
    const r = await cli(['up', '--reuse', '--json'], {cwd: clusters[0].dir, env: {CI: ''}})
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout).error.code, 'REUSE_MISMATCH')
    writeFileSync(file, before)
    const status = await cli(['status', '--json'], {cwd: clusters[0].dir})
    assert.equal(status.code, 0, 'still all RUNNING')
  })

  test('under CI --reuse is ignored: up behaves as always', async () => {
    const r = await cli(['up', '--reuse', '--json'], {cwd: clusters[1].dir, env: {CI: 'true'}})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout).reused, false)
  })

  test('logs -n 0 prints nothing; logs --json returns the lines; logs -f follows', async () => {
    const {dir} = clusters[0]
    const none = await cli(['logs', 'master-1', '--lines', '0'], {cwd: dir})
    assert.equal(none.code, 0, none.stderr)
    assert.equal(none.stdout, '')
    const json = await cli(['logs', 'master-1', '--lines', '3', '--json'], {cwd: dir})
    const result = JSON.parse(json.stdout)
    assert.equal(result.lines.length, 3)
    assert.equal(result.lines[0].process, 'master-1')
    assert.equal(typeof result.lines[0].line, 'string')
    // -f is follow on logs: it keeps running (until interrupted) and prints what is appended.
    const child = spawn(process.execPath, [join(REPO, 'bin', 'run.js'), 'logs', 'filer-1', '-f', '--lines', '0'], {cwd: dir})
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const logFile = (JSON.parse((await cli(['status', '--json'], {cwd: dir})).stdout) as {processes: Array<{name: string; logFile: string}>}).processes.find((p) => p.name === 'filer-1')!.logFile
    // Append until the follower (which starts at the end of the file once it is up) prints one of them.
    await waitFor('a followed line', () => {
      writeFileSync(logFile, 'followed-line-e2e\n', {flag: 'a'})
      return out.includes('followed-line-e2e')
    }, 30_000)
    child.kill('SIGINT')
  })

  test('status --watch into a pipe prints plain snapshots, no escapes', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'run.js'), 'status', '--watch'], {cwd: clusters[0].dir})
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    await waitFor('two snapshots', () => out.split('master-1').length > 2, 30_000)
    child.kill('SIGINT')
    assert.doesNotMatch(out, /\u001B/)
  })

  test('down releases the ports: each cluster gone, nothing listening', async () => {
    const reports = await Promise.all(clusters.map(async (c) => JSON.parse((await cli(['status', '--json'], {cwd: c.dir})).stdout) as Report))
    const downs = await Promise.all(clusters.map((c) => cli(['down'], {cwd: c.dir})))
    for (const d of downs) assert.equal(d.code, 0, d.stderr)
    for (const c of clusters) assert.deepEqual(weedPidsUnder(c.dir), [])
    for (const port of reports.flatMap(portsOf)) assert.equal(isListening(port), false, `port ${port}`)
  })
})

describe('an automatic offset whose port is taken before the cluster starts', () => {
  const {dir, cleanup} = testDir('auto-taken')
  after(cleanup)

  test('startCluster moves on to the next free offset and says which port was taken', async () => {
    // The built package, as users load it (its daemon is a built file).
    const {startCluster} = await import(join(REPO, 'dist', 'index.js')) as typeof import('../../src/index.js')
    // Taken the moment the plan is made (after the offset was chosen, before preflight looks), as another program
    // starting at that moment would: a race that no choice of offset can see coming.
    const squatter = createServer()
    const events: UpEvent[] = []
    let taken: number | undefined
    const cluster = await startCluster({
      dir, volumes: 1, weedVersion: TEST_WEED_VERSION, install: false, stopOnExit: {purge: true},
      onEvent: (event) => {
        events.push(event)
        if (event.type !== 'plan' || taken !== undefined) return
        taken = event.plan.processes.find((p) => p.kind === 'master')!.ports.http
        // No host: bound before listen() returns (with one, Node looks the address up first and binds later), on
        // the wildcard address, which keeps the master's 127.0.0.1 from it too.
        squatter.listen(taken)
      },
    })
    try {
      const offsets = events.filter((e) => e.type === 'ports')
      assert.equal(offsets.length, 2, JSON.stringify(offsets))
      assert.deepEqual(offsets[1], {type: 'ports', offset: cluster.portOffset, taken})
      assert.ok(cluster.portOffset > offsets[0].offset, `moved on from ${offsets[0].offset} to ${cluster.portOffset}`)
      assert.ok(squatter.listening, 'the other program keeps its port')
      assert.match(readFileSync(cluster.specFile, 'utf8'), new RegExp(`^portOffset: ${cluster.portOffset}\\b`, 'm'))
      assert.ok((await cluster.status()).processes.every((p) => p.state === 'RUNNING'))
    } finally {
      await cluster.down({purge: true})
      squatter.close()
    }
  })
})

describe('a pre-started daemon that dies before it is handed the cluster', () => {
  const {dir, cleanup} = testDir('prestart-killed')
  after(cleanup)

  test('startCluster starts a daemon itself, and the cluster serves', async () => {
    const {startCluster} = await import(join(REPO, 'dist', 'index.js')) as typeof import('../../src/index.js')
    const killed: number[] = []
    const cluster = await startCluster({
      dir, volumes: 1, weedVersion: TEST_WEED_VERSION, install: false, stopOnExit: {purge: true},
      onEvent: (event) => {
        // The daemon startCluster started early, still waiting on its stdin for a run directory, killed as an
        // OOM killer or a stray `kill` would.
        if (event.type !== 'plan') return
        for (const pid of waitingDaemons()) {
          process.kill(pid, 'SIGKILL')
          killed.push(pid)
        }
      },
    })
    try {
      assert.equal(killed.length, 1, 'one daemon was waiting, and was killed')
      const report = await cluster.status()
      assert.notEqual(report.daemon?.pid, killed[0])
      assert.ok(report.processes.every((p) => p.state === 'RUNNING'), JSON.stringify(report.processes))
      const url = `${cluster.endpoints.filer}/prestart/hello.txt`
      assert.equal((await fetch(url, {method: 'PUT', body: 'hello'})).status, 201)
      assert.equal(await (await fetch(url)).text(), 'hello')
    } finally {
      await cluster.down({purge: true})
    }
  })
})

/** Daemons this process started that still wait on their stdin for a run directory. */
function waitingDaemons(): number[] {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).map(Number).filter((pid) => {
    try {
      const parent = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]
      return parent === String(process.pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--stdin')
    } catch {
      return false
    }
  })
}

describe('CLI conventions', () => {
  const empty = mkdtempSync(join(tmpdir(), 'seaweedctl-conv-'))
  after(() => rmSync(empty, {recursive: true, force: true}))

  test('an unknown command under --json: a JSON error on stdout, exit 2, did you mean', async () => {
    const r = await cli(['stauts', '--json'], {cwd: empty})
    assert.equal(r.code, 2)
    const {error} = JSON.parse(r.stdout)
    assert.equal(error.code, 'UNKNOWN_COMMAND')
    assert.equal(error.suggestion, 'status')
    const topic = await cli(['export', 'foo', '--json'], {cwd: empty})
    assert.equal(topic.code, 2)
    assert.equal(JSON.parse(topic.stdout).error.command, 'export foo')
    const plain = await cli(['stauts'], {cwd: empty})
    assert.match(plain.stderr, /did you mean "status"\?/)
  })

  test('a mistyped flag gets a did you mean', async () => {
    const r = await cli(['up', '--volume', '3'], {cwd: empty})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /did you mean --volumes\?/)
  })

  test('down without a spec does not suggest cluster init; nothing is created', async () => {
    const r = await cli(['down'], {cwd: empty})
    assert.equal(r.code, 2)
    assert.doesNotMatch(r.stderr, /cluster init/)
    assert.match(r.stderr, /--file/)
  })

  test('cluster plan on a bad spec: the did you mean once, and not "Nothing was started"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-conv-plan-'))
    try {
      writeFileSync(join(dir, 'seaweed.yaml'), 'volumn:\n  count: 2\n')
      const r = await cli(['cluster', 'plan'], {cwd: dir})
      assert.equal(r.code, 2)
      assert.equal(r.stderr.split('did you mean').length - 1, 1, r.stderr)
      assert.doesNotMatch(r.stderr, /Nothing was started/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('the node:test example (examples/node-test) starts its cluster through the API', () => {
  const runs: Array<{parent: string; child: ReturnType<typeof spawn>}> = []
  after(() => {
    for (const {parent, child} of runs) {
      // Whatever a failed case left: the example's runner and its test-file process (one process group, which the
      // runner leads), then the daemon and weed (their working directories are in the cluster's). Their pipes go
      // too: a descendant holding one would keep this file's process, and so the whole suite, waiting for ever.
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
      for (const pid of pidsUnder(parent)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      child.stdout?.destroy()
      child.stderr?.destroy()
      rmSync(parent, {recursive: true, force: true})
    }
  })

  /** `fresh`: the cluster's directory does not exist yet (startCluster makes it). */
  function runExample(env: Record<string, string>, fresh = false): {dir: string; ended: () => Promise<number | null>; child: ReturnType<typeof spawn>; output: () => string} {
    const parent = mkdtempSync(join(tmpdir(), 'seaweedctl-example-'))
    const dir = fresh ? join(parent, 'not-made-yet') : parent
    // The file, not its folder: Node 22 and later read --test arguments as globs, and a folder is not one.
    const child = spawn(process.execPath, ['--test', 'examples/node-test/cluster.test.mjs'], {
      cwd: REPO, detached: true,
      // Without NODE_TEST_CONTEXT: this file runs under node --test too, and the example is a run of its own.
      env: {...withoutTestContext(process.env), EXAMPLE_CLUSTER_DIR: dir, SEAWEEDCTL_TEST_WEED_VERSION: TEST_WEED_VERSION, ...env},
    })
    runs.push({parent, child})
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    let exit: {code: number | null} | undefined
    child.once('exit', (code) => (exit = {code}))
    // Bounded: an example that never ends fails its case (and after() kills it) instead of holding the suite.
    const ended = async (): Promise<number | null> => (await waitFor('the example run to end', () => exit, 300_000)).code
    return {dir, ended, child, output: () => out}
  }

  async function assertGone(dir: string, output: string): Promise<void> {
    const offset = Number(/^portOffset: (\d+)/m.exec(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'))?.[1])
    assert.ok(offset >= 2000, `an automatic offset in the spec: ${offset}\n${output}`)
    await waitFor('no weed process of the example', () => weedPidsUnder(dir).length === 0, 60_000)
    for (const port of [9333, 8888, 8333, 8080, 8081, 8082, 8083].flatMap((p) => [p + offset, p + offset + 10_000])) {
      await waitFor(`port ${port} free`, () => !isListening(port), 30_000)
    }
  }

  test('passing run, in a directory that did not exist: writes through the filer and S3, and leaves nothing behind', async () => {
    const run = runExample({}, true)
    assert.equal(await run.ended(), 0, run.output())
    assert.match(run.output(), /[#ℹ] pass 3/) // TAP on Node 20, the spec reporter on 22 and later
    await assertGone(run.dir, run.output())
  })

  test('a failing test: the run fails, the cluster is still removed', async () => {
    const run = runExample({EXAMPLE_FAIL: '1'})
    assert.equal(await run.ended(), 1, run.output())
    assert.match(run.output(), /failed on purpose/)
    await assertGone(run.dir, run.output())
  })

  test('SIGINT while a test runs (as Ctrl-C): the cluster is removed', async () => {
    // The example says it reached the hanging test in a file: on Node 24 the runner can hold a file's test events
    // and output until the file writes more or ends, which a hanging test never does.
    const started = join(mkdtempSync(join(tmpdir(), 'seaweedctl-example-hang-')), 'started')
    const run = runExample({EXAMPLE_HANG: started})
    await waitFor('the hanging test to start', () => existsSync(started), 240_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output()}`)
    })
    rmSync(dirname(started), {recursive: true, force: true})
    process.kill(-run.child.pid!, 'SIGINT') // the whole process group, as a terminal does
    await run.ended()
    await assertGone(run.dir, run.output())
  })
})
