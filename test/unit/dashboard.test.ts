import assert from 'node:assert/strict'
import {appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {checkRequest} from '../../src/dashboard/guard.js'
import {parseDirStatus} from '../../src/dashboard/topology.js'
import {buildView, leaderOf, masterUrls, s3Of, signature} from '../../src/dashboard/view.js'
import {LogCursor} from '../../src/lib/log-cursor.js'
import type {ProcessStatus, StatusReport} from '../../src/supervisor/status-types.js'

const PORT = 41234
const TOKEN = 'k'.repeat(43)
const HOST = `127.0.0.1:${PORT}`
const context = {port: PORT, token: TOKEN}

describe('dashboard guard', () => {
  const headers = (extra: Record<string, string> = {}) => ({host: HOST, ...extra})
  const auth = {authorization: `Bearer ${TOKEN}`}

  test('the page itself needs only the right Host', () => {
    assert.deepEqual(checkRequest('GET', headers(), context, false), {ok: true})
  })

  test('an API request needs the token: none or a wrong one is 401', () => {
    for (const given of [{} as Record<string, string>, {authorization: 'Bearer '}, {authorization: `Bearer ${TOKEN.slice(1)}`}, {authorization: `Bearer ${TOKEN}x`}, {authorization: TOKEN}, {authorization: `Basic ${TOKEN}`}]) {
      const verdict = checkRequest('POST', headers(given), context, true)
      assert.equal(verdict.ok ? 200 : verdict.status, 401, JSON.stringify(given))
    }
    assert.deepEqual(checkRequest('POST', headers({...auth, origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin'}), context, true), {ok: true})
  })

  test('a foreign Host or Origin is 403, even with the token', () => {
    for (const bad of [
      {host: `localhost:${PORT}`}, {host: `evil.example:${PORT}`}, {host: '127.0.0.1'}, {host: `127.0.0.1:${PORT + 1}`},
      {origin: 'http://evil.example'}, {origin: 'null'}, {origin: `https://${HOST}`}, {origin: `http://localhost:${PORT}`},
      {'sec-fetch-site': 'cross-site'}, {'sec-fetch-site': 'same-site'},
    ]) {
      const verdict = checkRequest('POST', {...headers(auth), ...bad}, context, true)
      assert.equal(verdict.ok ? 200 : verdict.status, 403, JSON.stringify(bad))
    }
    const noHost = checkRequest('GET', {}, context, false)
    assert.equal(noHost.ok ? 200 : noHost.status, 403)
  })

  test('the same-origin check comes first: a foreign origin without a token is 403, not 401', () => {
    const verdict = checkRequest('POST', headers({origin: 'http://evil.example'}), context, true)
    assert.equal(verdict.ok ? 200 : verdict.status, 403)
  })
})

const proc = (name: string, kind: ProcessStatus['kind'], port: number, health: string, state: ProcessStatus['state'] = 'RUNNING'): ProcessStatus => ({
  name, kind, state, pid: 100 + port % 100, uptimeMs: 5000, address: `127.0.0.1:${port}`, ports: {http: port, grpc: port + 10000}, restarts: 0, health, lastRestart: null, logFile: `/logs/${name}.log`, weedVersion: '4.48', command: [],
})

function report(extra: Record<string, unknown> = {}): StatusReport {
  return {
    name: 'dev', version: 7, daemon: {pid: 1, startedAt: '2026-01-01T00:00:00Z', uptimeMs: 10_000},
    endpoints: {master: 'http://127.0.0.1:9333', filer: 'http://127.0.0.1:8888', s3: 'http://127.0.0.1:8333'},
    processes: [
      proc('master-1', 'master', 9333, '/cluster/status ECONNREFUSED', 'UNHEALTHY'),
      proc('master-2', 'master', 9334, 'leader 127.0.0.1:9335'),
      proc('master-3', 'master', 9335, 'leader 127.0.0.1:9335'),
      proc('volume-1', 'volume', 8080, 'listed, 3 volumes'),
      proc('volume-2', 'volume', 8081, 'listed, 1 volume'),
    ],
    ...extra,
  } as StatusReport
}

describe('dashboard view', () => {
  test('the leader: the report\'s own field when it has one, else a RUNNING master\'s health', () => {
    assert.equal(leaderOf(report()), '127.0.0.1:9335')
    assert.equal(leaderOf(report({leader: '127.0.0.1:9334'})), '127.0.0.1:9334')
    assert.equal(leaderOf(report({leader: null})), null)
    const none = report()
    none.processes = none.processes.map((p) => ({...p, state: p.kind === 'master' ? 'STARTING' : p.state}))
    assert.equal(leaderOf(none), null)
  })

  test('topology is asked of the leader first, then every master once', () => {
    assert.deepEqual(masterUrls(report()), ['http://127.0.0.1:9335', 'http://127.0.0.1:9333', 'http://127.0.0.1:9334'])
    const moved = report({leader: '127.0.0.5:9333'})
    moved.processes[0] = {...moved.processes[0], address: '127.0.0.5:9333'} as ProcessStatus
    assert.deepEqual(masterUrls(moved), ['http://127.0.0.5:9333', 'http://127.0.0.1:9333', 'http://127.0.0.1:9334', 'http://127.0.0.1:9335'])
  })

  test('S3: the report\'s s3 (null: no gateway) with the buckets the filer lists, else the report\'s buckets', () => {
    assert.deepEqual(s3Of(report(), ['a', 'b']), {endpoint: 'http://127.0.0.1:8333', accessKeyId: null, region: null, buckets: ['a', 'b']})
    assert.equal(s3Of(report({s3: null}), ['a']), null)
    const own = {s3: {endpoint: 'http://127.0.0.1:8333', accessKeyId: 'AKID', region: 'us-east-1', buckets: [{name: 'photos'}, 'logs']}}
    assert.deepEqual(s3Of(report(own), ['made-by-a-client', 'photos']), {endpoint: 'http://127.0.0.1:8333', accessKeyId: 'AKID', region: 'us-east-1', buckets: ['made-by-a-client', 'photos']})
    assert.deepEqual(s3Of(report(own), null), {endpoint: 'http://127.0.0.1:8333', accessKeyId: 'AKID', region: 'us-east-1', buckets: ['photos', 'logs']})
    const noGateway = report()
    delete noGateway.endpoints.s3
    assert.equal(s3Of(noGateway, null), null)
  })

  test('a process\'s address and weed version: the report\'s when present, else host and HTTP port', () => {
    const withFields = report()
    withFields.processes[4] = {...withFields.processes[4], address: '127.0.0.3:8080', weedVersion: '4.48'} as ProcessStatus
    const view = buildView(withFields, 0, {topology: null, topologyError: null, buckets: null, activity: [], scaling: false})
    assert.deepEqual(view.processes.slice(3).map((p) => [p.address, p.weedVersion]), [['127.0.0.1:8080', '4.48'], ['127.0.0.3:8080', '4.48']])
  })

  test('the signature ignores what only time changes, and nothing else', () => {
    const extras = {topology: null, topologyError: null, buckets: null, activity: [], scaling: false}
    const a = buildView(report(), 1000, extras)
    const later = report()
    later.processes = later.processes.map((p) => ({...p, uptimeMs: (p.uptimeMs ?? 0) + 5000, lastRestart: p.lastRestart}))
    later.daemon = {...later.daemon!, uptimeMs: 99_000}
    assert.equal(signature(buildView(later, 6000, extras)), signature(a))
    const changed = report()
    changed.processes[4] = {...changed.processes[4], health: 'listed, 2 volumes'}
    assert.notEqual(signature(buildView(changed, 1000, extras)), signature(a))
  })
})

describe('dashboard topology', () => {
  test('data centers → racks → servers with volumes and free slots, named by process, and the weed version', () => {
    const topology = parseDirStatus('http://127.0.0.1:9333', {
      Version: '8000GB 4.48 pypi',
      Topology: {Max: 20, Free: 14, DataCenters: [{Id: 'dc1', Racks: [
        {Id: 'rack2', DataNodes: [{Url: '127.0.0.1:8081', Volumes: 4, EcShards: 0, Max: 10}]},
        {Id: 'rack1', DataNodes: [{Url: '127.0.0.1:8090', Volumes: 2, Max: 10}, {Url: '127.0.0.1:8080', Volumes: 0, Max: 10}]},
      ]}]},
    }, (url) => ({'127.0.0.1:8080': 'volume-1', '127.0.0.1:8081': 'volume-2'})[url] ?? null)
    assert.equal(topology.weedVersion, '4.48')
    assert.equal(topology.volumes, 6)
    assert.deepEqual(topology.dataCenters[0].racks.map((r) => r.id), ['rack2', 'rack1'])
    assert.deepEqual(topology.dataCenters[0].racks[1].nodes, [
      {url: '127.0.0.1:8080', process: 'volume-1', volumes: 0, ecShards: 0, max: 10, free: 10},
      {url: '127.0.0.1:8090', process: null, volumes: 2, ecShards: 0, max: 10, free: 8},
    ])
  })
})

describe('LogCursor', () => {
  test('reads whole lines appended since the last read, holds a partial line, and starts over after a truncation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-cursor-'))
    try {
      const file = join(dir, 'x.log')
      const early = new LogCursor(file)
      assert.deepEqual(early.read(), [], 'a log not written yet reads as nothing')
      writeFileSync(file, 'old line\n')
      const cursor = new LogCursor(file)
      assert.deepEqual(early.read(), ['old line'])
      assert.deepEqual(cursor.read(), [], 'starts at the end')
      appendFileSync(file, 'one\ntw')
      assert.deepEqual(cursor.read(), ['one'])
      appendFileSync(file, 'o\nthree\n')
      assert.deepEqual(cursor.read(), ['two', 'three'])
      truncateSync(file, 0)
      appendFileSync(file, 'after rotation\n')
      assert.deepEqual(cursor.read(), ['after rotation'])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
