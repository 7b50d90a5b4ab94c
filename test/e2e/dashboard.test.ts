import assert from 'node:assert/strict'
import {readdirSync, readFileSync, readlinkSync, statSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {type Browser, chromium, type Page} from 'playwright-core'

import {cli, listedNodes, pidsUnder, testDir, waitFor, weedSection} from '../helpers/cli.js'

// Ports of this file: portOffset 1950 (master 11283, volumes 10030-10034, filer 10838, s3 10283); the dashboard on a free port.
const OFFSET = 1950
const MASTER = `http://127.0.0.1:${9333 + OFFSET}`
const FILER = `http://127.0.0.1:${8888 + OFFSET}`
/** Set to a path (e.g. docs/dashboard.png) to save a screenshot of the page with the 4-volume cluster. */
const SCREENSHOT = process.env.SEAWEEDCTL_DASHBOARD_SCREENSHOT

interface Proc {name: string; state: string; pid: number | null}

describe('dashboard: the page in a real browser, and its guard', () => {
  const {dir, cleanup} = testDir('dashboard')
  let browser: Browser | undefined
  let page: Page
  let url = ''
  let port = 0
  let token = ''
  after(async () => {
    await browser?.close()
    await cleanup()
  })
  const status = async (): Promise<{daemon: {pid: number}; processes: Proc[]}> => JSON.parse((await cli(['status', '--json'], {cwd: dir})).stdout)
  const row = (name: string) => page.locator(`tr[data-process="${name}"]`)
  const api = (path: string, init: RequestInit & {headers?: Record<string, string>} = {}) => fetch(`http://127.0.0.1:${port}${path}`, init)

  test('up: 4 volume servers in 2 racks with replication 001, a filer and an S3 gateway; files in two buckets', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), [
      `portOffset: ${OFFSET}`, weedSection().trimEnd(), 'master:', '  defaultReplication: "001"', 'volume:', '  count: 4', '  racks: 2', 's3:', '  count: 1', '',
    ].join('\n'))
    const up = await cli(['up'], {cwd: dir})
    assert.equal(up.code, 0, up.stderr + up.stdout)
    for (const [bucket, n] of [['photos', 6], ['backups', 3]] as const) {
      for (let i = 0; i < n; i++) {
        const form = new FormData()
        form.append('file', new Blob([Buffer.alloc(2000 + i * 500, i)]), `f${i}.bin`)
        const res = await fetch(`${FILER}/buckets/${bucket}/`, {method: 'POST', body: form})
        assert.ok(res.ok, `upload into ${bucket}: ${res.status}`)
      }
    }
  })

  test('dashboard --port P --json: {url, port}; the token is 0600 in the run directory and nowhere else', async () => {
    const wanted = await freePort()
    const result = await cli(['dashboard', '--port', String(wanted), '--json', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    const out = JSON.parse(result.stdout) as {url: string; port: number; tokenFile: string}
    assert.equal(out.port, wanted)
    const match = /^http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]{40,})$/.exec(out.url)
    assert.ok(match, out.url)
    ;[url, port, token] = [out.url, Number(match[1]), match[2]]
    assert.equal(statSync(out.tokenFile).mode & 0o777, 0o600)
    assert.equal(readFileSync(out.tokenFile, 'utf8').trim(), token)
    const holders = filesUnder(dir).filter((f) => readFileSync(f).includes(token))
    assert.deepEqual(holders, [out.tokenFile], 'no log, state or spec file carries the token')
    // Asked again (without --port): the same page.
    const again = await cli(['dashboard', '--json', '--file', 'seaweed.yaml'], {cwd: dir})
    assert.equal(JSON.parse(again.stdout).url, url)
  })

  test('a port in use is refused with exit 4, and the page keeps serving where it was', async () => {
    const blocker = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => blocker.once('listening', resolve))
    const taken = (blocker.address() as {port: number}).port
    try {
      const result = await cli(['dashboard', '--port', String(taken), '--file', 'seaweed.yaml'], {cwd: dir})
      assert.equal(result.code, 4, result.stderr)
      assert.match(result.stderr, new RegExp(`port ${taken} on 127\\.0\\.0\\.1 is already in use`))
      assert.match(result.stderr, new RegExp(`keeps serving at http://127\\.0\\.0\\.1:${port}/`))
    } finally {
      blocker.close()
    }
    assert.equal((await api('/')).status, 200)
  })

  test('chromium loads the page with the token and shows every process RUNNING, the leader, the topology and the buckets', async () => {
    browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: process.getuid?.() === 0 ? ['--no-sandbox'] : []})
    page = await browser.newPage({viewport: {width: 1440, height: 1000}})
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(url)
    const {processes} = await status()
    assert.equal(processes.length, 7)
    for (const p of processes) {
      await row(p.name).and(page.locator('[data-state="RUNNING"]')).waitFor({timeout: 30_000})
      assert.equal(await row(p.name).locator('td').nth(2).innerText(), String(p.pid))
    }
    assert.equal(await page.locator('#conn').getAttribute('data-state'), 'live')
    assert.equal(await row('master-1').locator('.badge').innerText(), 'LEADER')
    // Topology: the 4 volume servers the master lists, each under its rack.
    const nodes = page.locator('.node[data-process^="volume-"]')
    await waitFor('4 volume servers in the topology', async () => ((await nodes.count()) === 4 ? true : undefined), 30_000)
    const listed = (await listedNodes(MASTER)).sort()
    assert.deepEqual((await nodes.evaluateAll((els) => els.map((e) => e.getAttribute('data-node')))).sort(), listed)
    await page.locator('.buckets li', {hasText: 'photos'}).waitFor({timeout: 30_000})
    await page.locator('.buckets li', {hasText: 'backups'}).waitFor()
    // The token left the address bar.
    assert.equal(new URL(page.url()).hash, '')
    assert.deepEqual(errors, [])
  })

  test('restart volume-2 from the page: it comes back RUNNING with a new pid', async () => {
    const before = (await status()).processes.find((p) => p.name === 'volume-2')!
    await row('volume-2').locator('button[data-action="restart"]').click()
    await waitFor('volume-2 RUNNING again with a new pid', async () => {
      const state = await row('volume-2').getAttribute('data-state')
      const pid = await row('volume-2').locator('td').nth(2).innerText()
      return state === 'RUNNING' && pid !== String(before.pid) ? true : undefined
    }, 60_000)
    const after = (await status()).processes.find((p) => p.name === 'volume-2')!
    assert.equal(after.state, 'RUNNING')
    assert.notEqual(after.pid, before.pid)
    await page.locator('.activity li[data-state="done"][data-activity="restart volume-2"]').waitFor({timeout: 30_000})
    await row('volume-2').locator('td.restart', {hasText: 'restarted by request'}).waitFor()
    if (SCREENSHOT) {
      await page.locator('.log div').first().waitFor()
      await page.waitForTimeout(1500) // let the uptime counters tick past "0s"
      await page.screenshot({path: SCREENSHOT, fullPage: true})
    }
  })

  test('scale volume servers +1 from the page: volume-5 RUNNING and listed; -1 (confirmed) drains it away again', async () => {
    const pidsBefore = (await status()).processes.filter((p) => p.name.startsWith('volume-')).map((p) => p.pid)
    await page.locator('#scale-up').click()
    await row('volume-5').and(page.locator('[data-state="RUNNING"]')).waitFor({timeout: 90_000})
    await page.locator('.node[data-process="volume-5"]').waitFor({timeout: 30_000})
    assert.equal((await listedNodes(MASTER)).length, 5)
    assert.match(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), /^ {2}count: 5$/m)
    const now = (await status()).processes
    assert.deepEqual(now.filter((p) => ['volume-1', 'volume-2', 'volume-3', 'volume-4'].includes(p.name)).map((p) => p.pid), pidsBefore, 'the others were not restarted')
    await page.locator('.activity li[data-state="done"]', {hasText: 'volume servers: 4 → 5; added volume-5'}).waitFor({timeout: 30_000})

    // One click only arms it; the second drains and stops the highest-numbered server.
    await page.locator('#scale-down').click()
    assert.equal(await page.locator('#scale-down').innerText(), 'Drain and stop volume-5')
    await page.locator('#scale-down').click()
    await page.locator('.activity li[data-state="done"]', {hasText: 'volume servers: 5 → 4; removed volume-5 (data kept)'}).waitFor({timeout: 120_000})
    await row('volume-5').waitFor({state: 'detached'})
    assert.equal((await listedNodes(MASTER)).length, 4)
    assert.match(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), /^ {2}count: 4$/m)
  })

  test('the API: 401 without the token or with a wrong one; 403 for a foreign Origin or Host; nothing changes', async () => {
    const before = await status()
    const restart = '/api/processes/volume-1/restart'
    const origin = `http://127.0.0.1:${port}`
    assert.equal((await api('/api/events')).status, 401)
    assert.equal((await api('/api/events', {headers: {authorization: 'Bearer wrong'}})).status, 401)
    assert.equal((await api(restart, {method: 'POST', headers: {origin}})).status, 401)
    assert.equal((await api(restart, {method: 'POST', headers: {origin, authorization: `Bearer ${token.slice(0, -1)}x`}})).status, 401)
    assert.equal((await api('/api/scale', {method: 'POST', headers: {origin, authorization: 'Bearer '}, body: '{"kind":"volume","delta":1}'})).status, 401)
    // The right token from the wrong place.
    const auth = {authorization: `Bearer ${token}`}
    assert.equal((await api(restart, {method: 'POST', headers: {...auth, origin: 'http://evil.example'}})).status, 403)
    assert.equal((await api(restart, {method: 'POST', headers: {...auth, origin: 'null'}})).status, 403)
    assert.equal((await api(restart, {method: 'POST', headers: {...auth, origin, 'sec-fetch-site': 'cross-site'}})).status, 403)
    assert.equal((await rawRequest(port, 'POST', restart, {...auth, host: `evil.example:${port}`})).status, 403)
    assert.equal((await rawRequest(port, 'GET', '/', {host: `localhost.evil.example:${port}`})).status, 403)
    const afterwards = await status()
    assert.deepEqual(afterwards.processes.map((p) => [p.name, p.pid]), before.processes.map((p) => [p.name, p.pid]))
  })

  test('nothing listens on an address other than loopback', async () => {
    const {daemon} = await status()
    const pids = [daemon.pid, ...pidsUnder(dir)]
    const sockets = pids.flatMap(listeningSockets)
    assert.ok(sockets.some((s) => s.port === port), `the dashboard's port ${port} is among the daemon's sockets`)
    const exposed = sockets.filter((s) => !s.address.startsWith('127.') && s.address !== '::1')
    assert.deepEqual(exposed, [])
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

/** An HTTP request with a Host header of our choosing (fetch does not allow setting it). */
async function rawRequest(port: number, method: string, path: string, headers: Record<string, string>): Promise<{status: number}> {
  const {request} = await import('node:http')
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, method, path, headers}, (res) => {
      res.resume()
      resolve({status: res.statusCode ?? 0})
    })
    req.on('error', reject)
    req.end()
  })
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => statSync(f).size < 64 * 1024 * 1024)
}

/** The TCP sockets process `pid` listens on, with their local address. */
function listeningSockets(pid: number): Array<{pid: number; address: string; port: number}> {
  const inodes = new Set<string>()
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`))
      if (match) inodes.add(match[1])
    }
  } catch {
    return []
  }
  const out: Array<{pid: number; address: string; port: number}> = []
  for (const [file, decode] of [['/proc/net/tcp', ipv4], ['/proc/net/tcp6', ipv6]] as const) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols[3] !== '0A' || !inodes.has(cols[9])) continue
      const [hex, portHex] = cols[1].split(':')
      out.push({pid, address: decode(hex), port: Number.parseInt(portHex, 16)})
    }
  }
  return out
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path)
  } catch {
    return ''
  }
}

/** /proc/net/tcp writes an IPv4 address as 8 hex digits in host (little-endian) byte order. */
function ipv4(hex: string): string {
  return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.')
}

function ipv6(hex: string): string {
  if (hex === '00000000000000000000000000000000') return '::'
  if (hex === '00000000000000000000000001000000') return '::1'
  // An IPv4-mapped address (::ffff:a.b.c.d) carries the IPv4 address in its last word.
  if (hex.slice(0, 24) === '0000000000000000FFFF0000') return ipv4(hex.slice(24))
  return hex
}
