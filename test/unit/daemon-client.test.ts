import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {DaemonClient} from '../../src/daemon/client.js'
import {daemonEnvironment} from '../../src/daemon/prestart.js'
import type {SeaweedctlError} from '../../src/lib/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-daemon-client-'))
after(() => rmSync(dir, {recursive: true, force: true}))
let sockets = 0

/** A node:http server on a unix socket, as the daemon serves; counts the connections it accepts. */
async function daemon(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void, keepAliveTimeout = 5000) {
  const socketPath = join(dir, `d${++sockets}.sock`)
  const s = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  s.keepAliveTimeout = keepAliveTimeout
  let connections = 0
  s.on('connection', () => connections++)
  await new Promise<void>((resolve) => s.listen(socketPath, resolve))
  return {socketPath, connections: () => connections, close: () => new Promise<void>((resolve) => {
    s.closeAllConnections()
    s.close(() => resolve())
  })}
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, {'content-type': 'application/json'})
  res.end(JSON.stringify(body))
}

describe('DaemonClient (JSON over the unix socket, node:http)', () => {
  test('no socket file, or a socket nobody listens on: no daemon', async () => {
    assert.equal(await new DaemonClient(join(dir, 'absent.sock')).status(), undefined)
    const stale = join(dir, 'stale.sock')
    writeFileSync(stale, '')
    const client = new DaemonClient(stale)
    assert.equal(await client.status(), undefined)
    await client.close()
  })

  test('requests carry their JSON body and share one kept-open connection', async () => {
    const seen: string[] = []
    const d = await daemon((req, res, body) => {
      seen.push(`${req.method} ${req.url} ${body}`)
      json(res, 200, {version: seen.length, processes: []})
    })
    const client = new DaemonClient(d.socketPath)
    assert.equal((await client.status())?.version, 1)
    assert.deepEqual(await client.request('POST', '/v1/control', {action: 'stop', names: ['s3-1']}), {version: 2, processes: []})
    assert.equal((await client.next(2))?.version, 3)
    assert.deepEqual(seen, ['GET /v1/status ', 'POST /v1/control {"action":"stop","names":["s3-1"]}', 'GET /v1/status?after=2 '])
    assert.equal(d.connections(), 1)
    await client.close()
    await d.close()
  })

  test('a connection the daemon closed while idle is replaced, not reported as "no daemon"', async () => {
    const d = await daemon((_req, res) => json(res, 200, {version: 1, processes: []}), 50)
    const client = new DaemonClient(d.socketPath)
    assert.ok(await client.status())
    await new Promise((r) => setTimeout(r, 200))
    assert.ok(await client.status(), 'answered on a new connection')
    assert.equal(d.connections(), 2)
    await client.close()
    await d.close()
  })

  test('an error answer is DAEMON_UNREACHABLE with the daemon\'s message', async () => {
    const d = await daemon((_req, res) => json(res, 404, {error: {code: 'NOT_FOUND', message: 'no route POST /v1/nope'}}))
    const client = new DaemonClient(d.socketPath)
    await assert.rejects(client.request('POST', '/v1/nope'), (error: SeaweedctlError) => {
      assert.equal(error.code, 'DAEMON_UNREACHABLE')
      assert.match(error.message, /answered 404 to POST \/v1\/nope: no route POST \/v1\/nope/)
      return true
    })
    await client.close()
    await d.close()
  })

  test('a daemon that never answers: DAEMON_UNREACHABLE naming its log, in the time given', async () => {
    const d = await daemon(() => {})
    const client = new DaemonClient(d.socketPath, dir)
    const t0 = Date.now()
    await assert.rejects(client.request('GET', '/v1/status', undefined, 300), (error: SeaweedctlError) => {
      assert.equal(error.code, 'DAEMON_UNREACHABLE')
      assert.match(error.message, /did not answer/)
      assert.match(error.hints.join('\n'), /daemon\.log/)
      return true
    })
    assert.ok(Date.now() - t0 < 3000, `gave up after ${Date.now() - t0} ms`)
    // status() reports the hang too (a listening daemon that hangs is not "no daemon").
    await assert.rejects(new DaemonClient(d.socketPath, dir).status(), (error: SeaweedctlError) => error.code === 'DAEMON_UNREACHABLE')
    await client.close()
    await d.close()
  })
})

describe('the daemon environment', () => {
  test('keeps what locates files and tools, and none of the shell\'s keys', () => {
    const env = daemonEnvironment({
      PATH: '/opt/bin:/usr/bin', HOME: '/home/u', TMPDIR: '/var/tmp', TZ: 'UTC', XDG_CACHE_HOME: '/c', XDG_STATE_HOME: '/s',
      SEAWEEDCTL_WEED: '/w/weed', NODE_COMPILE_CACHE: '/n', AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret',
      GITHUB_TOKEN: 'ghp', NPM_TOKEN: 'npm', CI: 'true', LD_PRELOAD: '/evil.so',
    })
    assert.deepEqual(env, {
      PATH: '/opt/bin:/usr/bin', HOME: '/home/u', TMPDIR: '/var/tmp', TZ: 'UTC', XDG_CACHE_HOME: '/c', XDG_STATE_HOME: '/s',
      SEAWEEDCTL_WEED: '/w/weed', NODE_COMPILE_CACHE: '/n',
    })
  })

  test('a PATH even when the shell had none', () => {
    assert.deepEqual(daemonEnvironment({}), {PATH: '/usr/bin:/bin'})
  })
})
