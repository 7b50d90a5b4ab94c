import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {listeningPorts, preflight, writableProblem} from '../../src/plan/preflight.js'
import {planCluster} from '../../src/plan/planner.js'
import type {Plan} from '../../src/plan/types.js'
import {defaultRaw, specFromRaw} from '../../src/spec/load.js'

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
  return new Set(plan.processes.flatMap((p) => [p.ports.http, p.ports.grpc]).filter((p) => p !== keep))
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

/** A listener on a free port in [from, from+5000), so that the port fits the spec's range. */
async function listenInRange(from: number): Promise<{server: Server; port: number}> {
  for (let port = from + Math.floor(Math.random() * 1000); port < from + 5000; port++) {
    try {
      return {server: await listen(port), port}
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

  test('listeningPorts sees the listener', () => {
    assert.ok(listeningPorts().some((l) => l.port === held.port && l.inode > 0))
  })

  test('an HTTP port held by another program is PORT_IN_USE naming port, process and holder pid', () => {
    const plan = planWith({'filer.port': held.port})
    const error = preflightError(plan, portsExcept(plan, held.port))
    assert.equal(error.code, 'PORT_IN_USE')
    assert.equal(error.exitCode, 4)
    assert.match(error.message, new RegExp(`port ${held.port} \\(HTTP of filer-1\\) is already in use by pid ${process.pid} \\(`))
    assert.match(error.message, /Nothing was changed/)
    assert.equal(error.data.port, held.port)
    assert.equal(error.data.process, 'filer-1')
    assert.equal(error.data.holderPid, process.pid)
    assert.match(String(error.data.holder), /node/)
    assert.match(error.hints.join('\n'), /--port-offset/)
  })

  test('a gRPC port held by another program', () => {
    const plan = planWith({'volume.port': held.port - 10_000 - 2})
    const error = preflightError(plan, portsExcept(plan, held.port))
    assert.equal(error.code, 'PORT_IN_USE')
    assert.match(error.message, new RegExp(`port ${held.port} \\(gRPC of volume-3\\)`))
    assert.equal(error.data.process, 'volume-3')
  })

  test('ownPorts: ports our own running processes hold are skipped', () => {
    const plan = planWith({'filer.port': held.port})
    preflight(plan, {ownPorts: portsExcept(plan)})
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
