import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {blocks, ephemeralRange, listeningPorts, parseProcNetTcp, parseReservedPorts, preflight, writableProblem} from '../../src/plan/preflight.js'
import {planCluster, portsOf} from '../../src/plan/planner.js'
import type {Plan} from '../../src/plan/types.js'
import {defaultRaw, specFromRaw} from '../../src/clusterfile/load.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-preflight-test-'))
after(() => rmSync(dir, {recursive: true, force: true}))

function planWith(over: Record<string, unknown>, baseDir = dir): Plan {
  const raw = defaultRaw() as Record<string, any>
  for (const [key, value] of Object.entries(over)) {
    const [section, field] = key.split('.')
    if (field === undefined) raw[section] = value
    else raw[section][field] = value
  }
  return planCluster(specFromRaw(raw, baseDir))
}

/** Every port of the plan except `keep`: lets a test ignore whatever else this machine is running. */
function portsExcept(plan: Plan, keep?: number): Set<number> {
  return new Set(plan.processes.flatMap((p) => portsOf(p).map(([, port]) => port)).filter((p) => p !== keep))
}

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, host, () => resolve(server))
  })
}

/** A listener on a free port in [from, from+5000), so that the port fits the spec's range. */
async function listenInRange(from: number, host = '127.0.0.1'): Promise<{server: Server; port: number}> {
  for (let port = from + Math.floor(Math.random() * 1000); port < from + 5000; port++) {
    try {
      return {server: await listen(port, host), port}
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
  throw new Error(`no free port from ${from}`)
}

function preflightError(plan: Plan, ownPorts: Set<number>): SeaweedctlError {
  try {
    preflight(plan, {ownPorts})
  } catch (error) {
    assert.ok(error instanceof SeaweedctlError, `expected a SeaweedctlError, got ${String(error)}`)
    return error
  }
  assert.fail('expected preflight to fail')
}

describe('ports in use', () => {
  let held: {server: Server; port: number}
  before(async () => {
    held = await listenInRange(20_000)
  })
  after(() => held.server.close())

  test('listeningPorts sees the listener and its address', () => {
    assert.ok(listeningPorts().some((l) => l.port === held.port && l.address === '127.0.0.1' && l.inode > 0))
  })

  test('an HTTP port held by another program is PORT_IN_USE naming port, process and holder pid', () => {
    const plan = planWith({'filer.port': held.port})
    const error = preflightError(plan, portsExcept(plan, held.port))
    assert.equal(error.code, 'PORT_IN_USE')
    assert.equal(error.exitCode, 4)
    assert.match(error.message, new RegExp(`port 127\\.0\\.0\\.1:${held.port} \\(HTTP of filer-1\\) is already in use by pid ${process.pid} \\(`))
    assert.match(error.message, /Nothing was changed/)
    assert.equal(error.data.port, held.port)
    assert.equal(error.data.process, 'filer-1')
    assert.equal(error.data.holderPid, process.pid)
    assert.match(String(error.data.holder), /node/)
    assert.match(error.hints.join('\n'), /--port-offset/)
  })

  test('a gRPC port held by another program on the volume server\'s own address', async () => {
    const mine = await listenInRange(20_000, '127.0.0.4')
    try {
      const plan = planWith({'volume.port': mine.port - 10_000 - 2})
      const error = preflightError(plan, portsExcept(plan, mine.port))
      assert.equal(error.code, 'PORT_IN_USE')
      assert.match(error.message, new RegExp(`port 127\\.0\\.0\\.4:${mine.port} \\(gRPC of volume-3\\)`))
      assert.equal(error.data.process, 'volume-3')
      assert.equal(error.data.address, '127.0.0.4')
    } finally {
      mine.server.close()
    }
  })

  test('a port is free per address: a listener on 127.0.0.1 does not block volume-3 on 127.0.0.4', () => {
    const plan = planWith({'volume.port': held.port - 2})
    assert.equal(plan.processes.find((p) => p.name === 'volume-3')?.host, '127.0.0.4')
    preflight(plan, {ownPorts: portsExcept(plan, held.port)})
  })

  test('a wildcard listener blocks every address', async () => {
    const any = await listenInRange(25_000, '0.0.0.0')
    try {
      const plan = planWith({'volume.port': any.port - 2})
      const error = preflightError(plan, portsExcept(plan, any.port))
      assert.match(error.message, new RegExp(`port 127\\.0\\.0\\.4:${any.port} \\(HTTP of volume-3\\) is already in use \\(a listener on 0\\.0\\.0\\.0\\)`))
    } finally {
      any.server.close()
    }
  })

  test('ownPorts: ports our own running processes hold are skipped', () => {
    const plan = planWith({'filer.port': held.port})
    preflight(plan, {ownPorts: portsExcept(plan)})
  })
})

describe('/proc/net/tcp rows', () => {
  const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
  const row = (local: string, state: string, inode: number) => `   0: ${local} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`

  test('IPv4: addresses are little-endian words; only LISTEN rows count', () => {
    const listeners = parseProcNetTcp(HEADER + row('0100007F:1F90', '0A', 11) + row('0400007F:2382', '0A', 12) + row('00000000:0016', '0A', 13) + row('0100007F:1F91', '01', 14))
    assert.deepEqual(listeners, [
      {address: '127.0.0.1', port: 8080, inode: 11},
      {address: '127.0.0.4', port: 9090, inode: 12},
      {address: '0.0.0.0', port: 22, inode: 13},
    ])
  })

  test('IPv6: ::, ::1 and v4-mapped addresses', () => {
    const listeners = parseProcNetTcp(HEADER
      + row('00000000000000000000000000000000:1F90', '0A', 21)
      + row('00000000000000000000000001000000:1F91', '0A', 22)
      + row('0000000000000000FFFF00000300007F:1F92', '0A', 23))
    assert.deepEqual(listeners.map((l) => l.address), ['::', '::1', '::ffff:127.0.0.3'])
  })

  test('what blocks an address: the same address, a wildcard, or its v4-mapped form; a name is blocked by anything', () => {
    const at = (address: string) => ({address, port: 8080, inode: 1})
    assert.equal(blocks(at('127.0.0.3'), '127.0.0.3'), true)
    assert.equal(blocks(at('127.0.0.1'), '127.0.0.3'), false)
    assert.equal(blocks(at('::1'), '127.0.0.3'), false)
    assert.equal(blocks(at('0.0.0.0'), '127.0.0.3'), true)
    assert.equal(blocks(at('::'), '127.0.0.3'), true)
    assert.equal(blocks(at('::ffff:127.0.0.3'), '127.0.0.3'), true)
    assert.equal(blocks(at('127.0.0.1'), 'localhost'), true)
  })
})

describe('directories', () => {
  test('a dataDir below a regular file is DIR_NOT_WRITABLE', () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, 'not a directory\n')
    const plan = planWith({dataDir: join(file, 'data')})
    const error = preflightError(plan, portsExcept(plan))
    assert.equal(error.code, 'DIR_NOT_WRITABLE')
    assert.equal(error.exitCode, 4)
    assert.equal(error.data.path, join(file, 'data'))
    assert.match(error.message, new RegExp(`${file} is not a directory`))
  })

  test('a dataDir that does not exist yet under a writable directory is fine', () => {
    const plan = planWith({dataDir: join(dir, 'new', 'cluster')})
    preflight(plan, {ownPorts: portsExcept(plan)})
  })

  test('writableProblem', () => {
    const file = join(dir, 'plain-file')
    writeFileSync(file, '')
    mkdirSync(join(dir, 'existing'), {recursive: true})
    assert.equal(writableProblem(join(dir, 'existing')), undefined)
    assert.equal(writableProblem(join(dir, 'missing', 'deeper')), undefined)
    assert.equal(writableProblem(file), 'exists but is not a directory')
    assert.equal(writableProblem(join(file, 'x', 'y')), `${file} is not a directory`)
  })
})

describe('preflight: what the spec says about this machine', () => {
  const source = {file: join(dir, 'seaweed.yaml'), positions: new Map([['bind', {line: 3, column: 7}], ['s3.config', {line: 9, column: 11}]])}
  const refusal = (plan: Plan, addresses: string[]) => {
    try {
      preflight(plan, {ownPorts: portsExcept(plan), source, addresses})
    } catch (error) {
      assert.ok(error instanceof SeaweedctlError)
      return error
    }
    assert.fail('expected a refusal')
  }

  test('a bind that is no address of this machine is refused at file:line:col, listing the machine\'s addresses (exit 4)', () => {
    const error = refusal(planWith({bind: '8.8.8.8'}), ['127.0.0.1', '10.1.2.3', '::1'])
    assert.equal(error.code, 'BIND_NOT_LOCAL')
    assert.equal(error.exitCode, 4)
    assert.match(error.message, /seaweed\.yaml:3:7: bind 8\.8\.8\.8 is not an address of this machine/)
    assert.match(error.hints.join('\n'), /Addresses of this machine: 127\.0\.0\.1, 10\.1\.2\.3, ::1/)
  })

  test('loopback, localhost and an address of this machine pass', () => {
    for (const bind of ['127.0.0.1', '127.9.9.9', 'localhost', '10.1.2.3']) {
      const plan = planWith({bind})
      preflight(plan, {ownPorts: portsExcept(plan), source, addresses: ['127.0.0.1', '10.1.2.3']})
    }
  })

  test('s3.config naming a missing file is refused at plan time with its position (exit 2)', () => {
    const plan = planWith({'s3.count': 1, 's3.config': './missing-s3.json'})
    const error = refusal(plan, [])
    assert.equal(error.code, 'CONFIG_NOT_FOUND')
    assert.equal(error.exitCode, 2)
    assert.match(error.message, new RegExp(`seaweed\\.yaml:9:11: s3\\.config names ${join(dir, 'missing-s3.json')}, which is not a readable file`))
    writeFileSync(join(dir, 'missing-s3.json'), '{"identities": []}\n')
    preflight(plan, {ownPorts: portsExcept(plan), source, addresses: []})
  })
})

describe('the ephemeral port range: no port is planned where outgoing connections take theirs', () => {
  const linux = {low: 32_768, high: 60_999, reserved: [] as Array<[number, number]>}
  const source = {file: join(dir, 'seaweed.yaml'), positions: new Map([['portOffset', {line: 2, column: 13}]])}
  const refusal = (plan: Plan, ephemeral = linux, ownPorts = new Set<number>()) => {
    try {
      preflight(plan, {ownPorts, source, addresses: [], ephemeral})
    } catch (error) {
      assert.ok(error instanceof SeaweedctlError)
      return error
    }
    assert.fail('expected a refusal')
  }

  test('read from /proc: the range and the reserved list (single ports and ranges)', () => {
    const proc = mkdtempSync(join(dir, 'proc-'))
    writeFileSync(join(proc, 'ip_local_port_range'), '32768\t60999\n')
    writeFileSync(join(proc, 'ip_local_reserved_ports'), '33000,40000-40010\n')
    assert.deepEqual(ephemeralRange(proc), {low: 32_768, high: 60_999, reserved: [[33_000, 33_000], [40_000, 40_010]]})
    assert.deepEqual(parseReservedPorts('\n'), [])
    assert.equal(ephemeralRange(join(dir, 'no-such-dir')), undefined, 'no /proc (not Linux): no check')
  })

  test('portOffset 13500: master-1\'s gRPC port 32833 is PORT_EPHEMERAL (exit 4) at portOffset\'s line, with how far to move', () => {
    const error = refusal(planWith({portOffset: 13_500}))
    assert.equal(error.code, 'PORT_EPHEMERAL')
    assert.equal(error.exitCode, 4)
    assert.match(error.message, /seaweed\.yaml:2:13: port 32833 \(gRPC of master-1\) is in this machine's ephemeral port range, 32768-60999 .*address already in use.*Nothing was changed\./)
    assert.match(error.hints[0], /Move the ports down by at least 66: a portOffset 66 lower/)
    assert.match(error.hints[1], /ip_local_reserved_ports=32833-32833/)
    assert.deepEqual(error.data.range, [32_768, 60_999])
  })

  test('the highest offset that fits passes; so do reserved ports and ports our running processes hold', () => {
    preflight(planWith({portOffset: 13_434}), {ownPorts: portsExcept(planWith({portOffset: 13_434})), addresses: [], ephemeral: linux})
    const plan = planWith({portOffset: 13_500})
    preflight(plan, {ownPorts: portsExcept(plan), addresses: [], ephemeral: {...linux, reserved: [[32_833, 32_833]]}})
    preflight(plan, {ownPorts: portsExcept(plan), addresses: [], ephemeral: linux})
  })

  test('metrics ports are checked too', () => {
    const error = refusal(planWith({portOffset: 0}), {low: 13_500, high: 65_535, reserved: []})
    assert.equal(error.code, 'PORT_EPHEMERAL')
    assert.match(error.message, /port 13888 \(metrics of filer-1\)/)
    assert.match(error.hints[0], /Move the ports down by at least 5834/)
  })

  test('a range that starts below the ports could move to (above 1023) says only how to reserve', () => {
    const error = refusal(planWith({portOffset: 0}), {low: 9000, high: 65_535, reserved: []})
    assert.match(error.message, /port 9333 \(HTTP of master-1\)/)
    assert.equal(error.hints.length, 1)
    assert.match(error.hints[0], /ip_local_reserved_ports=9333-19333/)
  })
})
