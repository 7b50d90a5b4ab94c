import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, cliStartMs, pidsUnder, TEST_WEED_VERSION, testDir, weedBinary, weedSection} from '../helpers/cli.js'

// Ports of this file: portOffset 1100.
const OFFSET = 1100
const VERSION = TEST_WEED_VERSION.replace('.', '\\.')

/** Nothing started: no process of ours, no daemon socket, no data directory. */
function assertNothingStarted(dir: string): void {
  assert.deepEqual(pidsUnder(dir), [])
  assert.equal(existsSync(join(dir, '.seaweed', 'run', 'seaweedctl.sock')), false)
}

describe('bad input fails fast, says what and where, and starts nothing', () => {
  const {dir, cleanup} = testDir('badinput')
  after(cleanup)

  test('malformed YAML names line and column', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), 'name: dev\nvolume:\n  count: 4\n   port: [8080\n')
    const result = await cli(['up'], {cwd: dir})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /seaweed\.yaml:\d+:\d+ +malformed YAML/)
    assertNothingStarted(dir)
  })

  test('an unknown key suggests the right one', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), 'name: dev\nvolumn:\n  count: 4\n')
    const result = await cli(['up', '--json'], {cwd: dir})
    assert.equal(result.code, 2)
    const {error} = JSON.parse(result.stdout)
    assert.equal(error.code, 'SPEC_UNKNOWN_KEY')
    assert.equal(error.line, 2)
    assert.equal(error.column, 1)
    assert.match(error.message, /did you mean "volume"\?/)
    assertNothingStarted(dir)
  })

  test('an empty seaweed.yaml, and one cut off after a key, are refused by cluster plan and up: nothing created', async () => {
    for (const [text, at] of [['', /seaweed\.yaml:1:1 +the file is empty/], [`portOffset: ${OFFSET}\nvolume:\n`, /seaweed\.yaml:2:8 +"volume" has no value/]] as const) {
      writeFileSync(join(dir, 'seaweed.yaml'), text)
      for (const args of [['cluster', 'plan'], ['up']]) {
        const result = await cli(args, {cwd: dir})
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
        assert.match(result.stderr, at)
        assertNothingStarted(dir)
        assert.equal(existsSync(join(dir, '.seaweed')), false)
      }
    }
  })

  test('bind 8.8.8.8 (no address of this machine) is refused by cluster plan and up, listing the machine\'s addresses', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${OFFSET}\n${weedSection()}bind: 8.8.8.8\nvolume:\n  count: 2\n`)
    for (const args of [['cluster', 'plan'], ['up']]) {
      const startup = await cliStartMs(dir)
      const started = Date.now()
      const result = await cli(args, {cwd: dir})
      assert.equal(result.code, 4, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, /seaweed\.yaml:4:7: bind 8\.8\.8\.8 is not an address of this machine/)
      assert.match(result.stderr, /Addresses of this machine: .*127\.0\.0\.1/)
      assert.ok(Date.now() - started - startup < 10_000, `refused in ${Date.now() - started} ms (a CLI start took ${startup} ms), before anything starts`)
      assertNothingStarted(dir)
      assert.equal(existsSync(join(dir, '.seaweed')), false)
    }
  })

  test('a plan port already in use is named, with its holder', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${OFFSET}\n${weedSection()}volume:\n  count: 2\n`)
    const blocker: Server = createServer()
    const port = 8081 + OFFSET
    // volume-2 listens on its own loopback address, 127.0.0.3.
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.3', r))
    try {
      const result = await cli(['up'], {cwd: dir})
      assert.equal(result.code, 4)
      assert.match(result.stderr, new RegExp(`port 127\\.0\\.0\\.3:${port} \\(HTTP of volume-2\\) is already in use by pid ${process.pid}`))
      assertNothingStarted(dir)
    } finally {
      blocker.close()
    }
  })

  test('a port in this machine\'s ephemeral range is refused by cluster plan and up at portOffset, with how far to move; that move passes', async () => {
    // Where the kernel takes outgoing connections' local ports (32768-60999 by default): master-1's gRPC port
    // (19333 + portOffset) is put 100 above its start.
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    const offset = low - 19_333 + 100
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${offset}\n${weedSection()}volume:\n  count: 2\n`)
    for (const args of [['cluster', 'plan'], ['up']]) {
      const result = await cli(args, {cwd: dir})
      assert.equal(result.code, 4, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, new RegExp(`seaweed\\.yaml:1:13: port ${19_333 + offset} \\(gRPC of master-1\\) is in this machine's ephemeral port range, ${low}-\\d+ .*Nothing was changed`))
      assert.match(result.stderr, /Move the ports down by at least 101: a portOffset 101 lower/)
      assertNothingStarted(dir)
      assert.equal(existsSync(join(dir, '.seaweed')), false)
    }
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${offset - 101}\n${weedSection()}volume:\n  count: 2\n`)
    const planned = await cli(['cluster', 'plan'], {cwd: dir})
    assert.equal(planned.code, 0, planned.stderr)
  })

  test('replication 001 with one volume server is refused before anything starts', async () => {
    const fresh = testDir('repl')
    try {
      const result = await cli(['up', '--volumes', '1', '--replication', '001', '--port-offset', String(OFFSET)], {cwd: fresh.dir})
      assert.equal(result.code, 2)
      assert.match(result.stderr, /replication "001" .*needs at least 2 volume servers in one rack; the plan has 1 volume server/)
      assert.match(result.stderr, /Try: seaweedctl up --volumes 2 --replication 001/)
      assert.equal(existsSync(join(fresh.dir, 'seaweed.yaml')), false, 'no spec was written')
      assertNothingStarted(fresh.dir)
    } finally {
      await fresh.cleanup()
    }
  })

  test('no weed binary found', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${OFFSET}\n${weedSection()}volume:\n  count: 2\n`)
    const result = await cli(['up', '--no-install'], {cwd: dir, env: {PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(dir, 'empty-cache'), SEAWEEDCTL_WEED: ''}})
    assert.equal(result.code, 4)
    assert.match(result.stderr, /no weed binary found/)
    assert.match(result.stderr, new RegExp(`seaweedctl weed install ${VERSION}`))
    assertNothingStarted(dir)
  })

  test('a weed of another version than the spec asks for', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${OFFSET}\nweed:\n  version: "4.00"\nvolume:\n  count: 2\n`)
    const result = await cli(['up', '--weed', weedBinary()], {cwd: dir})
    assert.equal(result.code, 4)
    assert.match(result.stderr, new RegExp(`weed ${VERSION}, but the spec asks for weed\\.version "4\\.00"`))
    assertNothingStarted(dir)
  })

  test('--weed-version that is not a version is refused, and no spec is written', async () => {
    const fresh = testDir('badversion')
    try {
      const result = await cli(['up', '--weed-version', 'latest', '--port-offset', String(OFFSET)], {cwd: fresh.dir})
      assert.equal(result.code, 2)
      assert.match(result.stderr, /--weed-version "latest" is not a weed version; expected MAJOR\.MINOR/)
      assert.equal(existsSync(join(fresh.dir, 'seaweed.yaml')), false, 'no spec was written')
      assertNothingStarted(fresh.dir)
    } finally {
      await fresh.cleanup()
    }
  })

  test('cluster init refuses to overwrite without --force', async () => {
    const result = await cli(['cluster', 'init'], {cwd: dir})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /already exists; nothing was changed/)
  })
})
