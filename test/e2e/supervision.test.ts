import assert from 'node:assert/strict'
import {after, describe, test} from 'node:test'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, listedNodes, testDir, waitFor, weedPidsUnder, weedSection} from '../helpers/cli.js'

// Ports of this file: portOffset 1500 (master 10833, volumes 9580-9583, filer 10388).
const OFFSET = 1500
const MASTER = `http://127.0.0.1:${9333 + OFFSET}`

interface Proc {name: string; state: string; pid: number | null; restarts: number; health: string; uptimeMs: number | null; lastRestart: {reason: string} | null; address: string}

describe('supervision of real weed processes', () => {
  const {dir, cleanup} = testDir('supervise')
  after(cleanup)
  const status = async (): Promise<{daemon: {pid: number} | null; processes: Proc[]}> => JSON.parse((await cli(['status', '--json'], {cwd: dir})).stdout)
  const proc = async (name: string) => (await status()).processes.find((p) => p.name === name)!

  test('up', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${OFFSET}\n${weedSection()}volume:\n  count: 4\nsupervise:\n  healthInterval: 1s\n  unhealthyThreshold: 3\n`)
    const result = await cli(['up'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
  })

  test('kill -9 of a volume server: restarted, restarts 1, listed again', async () => {
    const victim = await proc('volume-2')
    const started = Date.now()
    process.kill(victim.pid!, 'SIGKILL')
    const back = await waitFor('volume-2 RUNNING again', async () => {
      const p = await proc('volume-2')
      return p.state === 'RUNNING' && p.pid !== victim.pid ? p : undefined
    })
    assert.equal(back.restarts, 1)
    assert.ok((await listedNodes(MASTER)).includes(back.address))
    console.log(`kill -9 → RUNNING and listed again: ${Date.now() - started} ms`)
  })

  test('kill -STOP of a volume server: detected by liveness and restarted', async () => {
    const victim = await proc('volume-3')
    const started = Date.now()
    process.kill(victim.pid!, 'SIGSTOP')
    const back = await waitFor('volume-3 restarted', async () => {
      const p = await proc('volume-3')
      return p.state === 'RUNNING' && p.pid !== victim.pid ? p : undefined
    }, 60_000)
    assert.equal(back.restarts, 1)
    const elapsed = Date.now() - started
    // 3 probes × 1 s (each may take its 1 s timeout) plus the stop (SIGCONT lets it act on SIGTERM at once).
    assert.ok(elapsed < 3 * 2000 + 31_000, `took ${elapsed} ms`)
    console.log(`kill -STOP → restarted and RUNNING: ${elapsed} ms`)
  })

  test('logs volume-1 -n 5 prints its last 5 lines', async () => {
    const result = await cli(['logs', 'volume-1', '-n', '5'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout.trimEnd().split('\n').length, 5)
    const several = await cli(['logs', 'master', 'filer', '-n', '2'], {cwd: dir})
    assert.match(several.stdout, /^master-1 \| /m)
    assert.match(several.stdout, /^filer-1  \| /m)
  })

  test('stop keeps a process stopped; start brings it back listed', async () => {
    const stop = await cli(['stop', 'volume-4'], {cwd: dir})
    assert.equal(stop.code, 0, stop.stderr)
    assert.equal((await proc('volume-4')).state, 'STOPPED')
    assert.equal((await cli(['status'], {cwd: dir})).code, 3)
    const address = (await proc('volume-4')).address
    assert.ok(!(await listedNodes(MASTER)).includes(address))
    const start = await cli(['start', 'volume-4'], {cwd: dir})
    assert.equal(start.code, 0, start.stderr)
    assert.ok((await listedNodes(MASTER)).includes(address))
    const unknown = await cli(['restart', 'volumn-1'], {cwd: dir})
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /did you mean "volume-1"/)
  })

  test('up --foreground next to the running daemon is refused with its pid; the daemon keeps supervising', async () => {
    const before = await status()
    const second = await cli(['up', '--foreground'], {cwd: dir, timeoutMs: 30_000})
    assert.equal(second.code, 5, second.stderr + second.stdout)
    assert.match(second.stderr, new RegExp(`already supervised by the daemon with pid ${before.daemon!.pid}`))
    const after = await status()
    assert.equal(after.daemon!.pid, before.daemon!.pid)
    assert.deepEqual(after.processes.map((p) => p.pid), before.processes.map((p) => p.pid))
  })

  test('kill -STOP of the daemon: status, status --json and restart exit 5 within 10 s, naming its pid and log', async () => {
    const before = await status()
    const pid = before.daemon!.pid
    process.kill(pid, 'SIGSTOP')
    try {
      for (const args of [['status'], ['status', '--json'], ['restart', 'volume-1']]) {
        // The bound is on the wait for the daemon, not on the CLI's own start, which a loaded CI machine can stretch
        // to seconds: that start is measured just before, on a command that needs no daemon.
        let started = Date.now()
        await cli(['restart', 'no-such-process-name'], {cwd: dir, timeoutMs: 30_000})
        const startup = Date.now() - started
        started = Date.now()
        const result = await cli(args, {cwd: dir, timeoutMs: 30_000})
        const took = Date.now() - started
        assert.equal(result.code, 5, `${args.join(' ')}: ${result.stderr}${result.stdout}`)
        assert.ok(took - startup < 10_000, `${args.join(' ')} took ${took} ms (a CLI start took ${startup} ms)`)
        const text = result.stderr + result.stdout
        assert.match(text, new RegExp(`pid ${pid}`))
        assert.match(text, /daemon could not be reached/)
        assert.match(text, /daemon\.log/)
        assert.match(text, new RegExp(`kill -CONT ${pid}`))
        assert.doesNotMatch(text, /UND_ERR|HeadersTimeout/)
      }
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    assert.equal((await status()).daemon!.pid, pid)
  })

  test('kill -9 of the daemon: weed keeps serving; status brings supervision back without restarts', async () => {
    const before = await status()
    const pids = before.processes.map((p) => p.pid).sort()
    process.kill(before.daemon!.pid, 'SIGKILL')
    await waitFor('the daemon to be gone', () => {
      try {
        process.kill(before.daemon!.pid, 0)
        return undefined
      } catch {
        return true
      }
    })
    assert.equal((await fetch(`${MASTER}/cluster/status`)).status, 200)
    // The very next status starts a new daemon, which adopts and confirms them: exit 0, all RUNNING, history kept.
    const first = await cli(['status', '--json'], {cwd: dir})
    assert.equal(first.code, 0, first.stderr + first.stdout)
    const after = JSON.parse(first.stdout) as typeof before
    assert.ok(after.processes.every((p) => p.state === 'RUNNING'), first.stdout)
    for (const p of after.processes) {
      const was = before.processes.find((q) => q.name === p.name)!
      assert.equal(p.restarts, was.restarts, `${p.name}: restarts kept`)
      assert.ok(p.uptimeMs! >= was.uptimeMs!, `${p.name}: uptime ${p.uptimeMs} ms continues from ${was.uptimeMs} ms`)
      assert.equal(p.lastRestart?.reason, was.lastRestart?.reason, `${p.name}: last restart reason kept`)
    }
    assert.ok(after.processes.some((p) => p.restarts > 0), 'the earlier tests restarted something, so there is history to keep')
    assert.notEqual(after.daemon!.pid, before.daemon!.pid)
    assert.deepEqual(after.processes.map((p) => p.pid).sort(), pids, 'same weed pids: adopted, not restarted')
    assert.deepEqual(weedPidsUnder(dir).sort(), pids)
    const down = await cli(['down'], {cwd: dir})
    assert.equal(down.code, 0, down.stderr)
    assert.deepEqual(weedPidsUnder(dir), [])
  })
})
