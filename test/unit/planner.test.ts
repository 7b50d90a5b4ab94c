import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {SOCKET_PATH_LIMIT, socketPathFor} from '../../src/plan/paths.js'
import {planCluster, portsOf, volumeHost} from '../../src/plan/planner.js'
import type {Plan, ProcessPlan} from '../../src/plan/types.js'
import {defaultRaw, parseSpecText, specFromRaw} from '../../src/clusterfile/load.js'
import type {ClusterSpec} from '../../src/clusterfile/schema.js'

/** Never created: the planner must not touch the file system. */
const BASE = join(tmpdir(), `seaweedctl-planner-test-${process.pid}-does-not-exist`)
const DATA = join(BASE, '.seaweed')

/** A spec with the defaults and `over` applied ("volume.count": 2 …), validated like a file. */
function specWith(over: Record<string, unknown> = {}): ClusterSpec {
  const raw = defaultRaw() as Record<string, any>
  for (const [key, value] of Object.entries(over)) {
    const [section, field] = key.split('.')
    if (field === undefined) raw[section] = value
    else raw[section][field] = value
  }
  return specFromRaw(raw, BASE)
}

function planWith(over: Record<string, unknown> = {}): Plan {
  return planCluster(specWith(over))
}

function proc(plan: Plan, name: string): ProcessPlan {
  const found = plan.processes.find((p) => p.name === name)
  assert.ok(found, `no process ${name} in ${plan.processes.map((p) => p.name).join(', ')}`)
  return found
}

/** The value of `-flag=` in a process's args, or undefined. */
function flag(p: ProcessPlan, name: string): string | undefined {
  const arg = p.args.find((a) => a.startsWith(`-${name}=`))
  return arg?.slice(name.length + 2)
}

function planError(over: Record<string, unknown>): SeaweedctlError {
  try {
    planWith(over)
  } catch (error) {
    assert.ok(error instanceof SeaweedctlError, `expected a SeaweedctlError, got ${String(error)}`)
    return error
  }
  assert.fail(`expected ${JSON.stringify(over)} to be rejected`)
}

describe('a 1 master / 4 volume / 1 filer plan with portOffset 300', () => {
  const plan = planWith({portOffset: 300})

  test('names, kinds, indexes and start order', () => {
    assert.deepEqual(
      plan.processes.map((p) => [p.name, p.kind, p.index]),
      [['master-1', 'master', 1], ['volume-1', 'volume', 1], ['volume-2', 'volume', 2], ['volume-3', 'volume', 3], ['volume-4', 'volume', 4], ['filer-1', 'filer', 1]],
    )
  })

  test('ports: HTTP shifted by the offset, gRPC = HTTP + 10000', () => {
    assert.deepEqual(
      plan.processes.map((p) => [p.name, p.ports.http, p.ports.grpc]),
      [
        ['master-1', 9633, 19633],
        ['volume-1', 8380, 18380], ['volume-2', 8381, 18381], ['volume-3', 8382, 18382], ['volume-4', 8383, 18383],
        ['filer-1', 9188, 19188],
      ],
    )
    for (const p of plan.processes) {
      assert.equal(flag(p, 'port'), String(p.ports.http))
      assert.equal(flag(p, 'port.grpc'), String(p.ports.grpc))
    }
  })

  test('global flags come before the subcommand, and only there', () => {
    for (const p of plan.processes) {
      assert.deepEqual(p.args.slice(0, 3), ['-logtostderr=true', `-config_dir=${join(DATA, 'conf')}`, p.kind], p.name)
      const rest = p.args.slice(3)
      assert.ok(!rest.some((a) => /^-(logtostderr|alsologtostderr|v|logdir|config_dir)=/.test(a)), `${p.name}: a global flag after the subcommand`)
      assert.ok(rest.every((a) => a.startsWith('-') && a.includes('=')), `${p.name}: every flag explicit as -name=value`)
    }
  })

  test('masters and filers advertise and bind the spec address; each volume server its own loopback address', () => {
    for (const p of plan.processes.filter((q) => q.kind !== 'volume')) {
      assert.equal(flag(p, 'ip'), '127.0.0.1', p.name)
      assert.equal(flag(p, 'ip.bind'), '127.0.0.1', p.name)
      assert.equal(p.host, '127.0.0.1', p.name)
    }
    for (const p of plan.processes.filter((q) => q.kind === 'volume')) {
      const own = `127.0.0.${p.index + 1}`
      assert.equal(flag(p, 'ip'), own, p.name)
      assert.equal(flag(p, 'ip.bind'), own, p.name)
      assert.equal(flag(p, 'publicUrl'), `${own}:${p.ports.http}`, p.name)
      assert.equal(p.host, own, p.name)
    }
  })

  test('master flags for 4.48: single-master mode, no telemetry', () => {
    const m = proc(plan, 'master-1')
    assert.ok(m.args.includes('-peers=none'))
    assert.ok(m.args.includes('-telemetry=false'))
    assert.equal(flag(m, 'mdir'), join(DATA, 'master-1'))
    assert.equal(flag(m, 'defaultReplication'), '000')
    assert.equal(flag(m, 'volumeSizeLimitMB'), '1024')
  })

  test('volume flags for 4.48', () => {
    const v = proc(plan, 'volume-2')
    assert.equal(flag(v, 'master'), '127.0.0.1:9633')
    assert.equal(flag(v, 'mserver'), undefined)
    assert.equal(flag(v, 'dir'), join(DATA, 'volume-2'))
    assert.equal(flag(v, 'max'), '0')
    assert.equal(flag(v, 'publicUrl'), '127.0.0.3:8381')
    assert.equal(flag(v, 'preStopSeconds'), '1')
    assert.equal(flag(v, 'dataCenter'), 'dc1')
    assert.equal(flag(v, 'rack'), 'rack1')
  })

  test('filer flags: its own store dir and a socket that is not shared with other clusters', () => {
    const f = proc(plan, 'filer-1')
    assert.equal(flag(f, 'master'), '127.0.0.1:9633')
    assert.equal(flag(f, 'defaultStoreDir'), join(DATA, 'filer-1'))
    const socket = flag(f, 'localSocket')!
    assert.ok(!socket.startsWith('/tmp/seaweedfs-'), socket)
    assert.equal(socket, socketPathFor(plan.runDir, 'filer-1.sock'))
  })

  test('cwd and data dir are the process\'s own directory; logs go to logs/<name>.log', () => {
    for (const p of plan.processes) {
      assert.equal(p.cwd, join(DATA, p.name))
      assert.equal(p.dataDir, join(DATA, p.name))
      assert.equal(p.logFile, join(DATA, 'logs', `${p.name}.log`))
    }
  })

  test('plan-level paths, endpoints and the directories to create', () => {
    assert.equal(plan.dataDir, DATA)
    assert.equal(plan.runDir, join(DATA, 'run'))
    assert.equal(plan.logDir, join(DATA, 'logs'))
    assert.equal(plan.configDir, join(DATA, 'conf'))
    assert.deepEqual(plan.endpoints, {master: 'http://127.0.0.1:9633', filer: 'http://127.0.0.1:9188'})
    for (const d of [DATA, plan.runDir, plan.logDir, plan.configDir, ...plan.processes.map((p) => p.dataDir)]) {
      assert.ok(plan.directories.includes(d), d)
    }
    assert.equal(plan.weedVersion, '4.48')
    assert.equal(plan.replication, '000')
  })

  test('readiness and liveness probes follow the design', () => {
    assert.deepEqual(proc(plan, 'master-1').readiness, {kind: 'masterLeader', urls: ['http://127.0.0.1:9633']})
    assert.deepEqual(proc(plan, 'volume-3').readiness, {
      kind: 'volumeListed', statusUrl: 'http://127.0.0.4:8382/status', masterUrls: ['http://127.0.0.1:9633'], node: '127.0.0.4:8382',
    })
    assert.deepEqual(proc(plan, 'filer-1').readiness, {kind: 'http', url: 'http://127.0.0.1:9188/healthz'})
    // a volume server that leaves the topology while its process lives is unhealthy
    assert.equal(proc(plan, 'volume-3').liveness.kind, 'volumeListed')
    for (const p of plan.processes) {
      const l = p.liveness
      const urls = l.kind === 'masterLeader' ? l.urls : [l.kind === 'http' ? l.url : l.kind === 's3Signed' ? l.endpoint : l.statusUrl]
      for (const url of urls) assert.ok(`${url}/`.startsWith(`http://${p.host}:${p.ports.http}/`), `${p.name} liveness ${url}`)
    }
  })

  test('stop: SIGTERM, volume timeout covers pre-stop plus a drain margin, filer well above 10 s', () => {
    for (const p of plan.processes) assert.equal(p.stopSignal, 'SIGTERM')
    for (const p of plan.processes.filter((x) => x.kind === 'volume')) assert.ok(p.stopTimeoutMs >= 1 * 1000 + 30_000, `${p.stopTimeoutMs}`)
    assert.ok(proc(plan, 'filer-1').stopTimeoutMs > 10_000)
    const slow = planWith({'volume.preStopSeconds': 20})
    assert.ok(proc(slow, 'volume-1').stopTimeoutMs >= 20 * 1000 + 30_000)
  })
})

describe('environment', () => {
  test('is exactly PATH and HOME: weed reads PORT, IP, DIR, MASTER… from it', () => {
    const saved = {...process.env}
    Object.assign(process.env, {PORT: '1234', IP: '10.0.0.1', DIR: '/elsewhere', MASTER: 'x:1', WEED_V: '4', HOME: '/root-home-that-must-not-leak'})
    try {
      const plan = planWith({'s3.count': 1})
      for (const p of plan.processes) {
        assert.deepEqual(Object.keys(p.env).sort(), ['HOME', 'PATH'], p.name)
        assert.equal(p.env.HOME, p.cwd, `${p.name}: HOME is its own directory so no ~/.seaweedfs/*.toml applies`)
        assert.ok(p.env.PATH.length > 0)
      }
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    }
  })
})

describe('weed versions', () => {
  test('3.80: no -peers=none, no -telemetry, volumes use -mserver', () => {
    const plan = planWith({'weed.version': '3.80'})
    const m = proc(plan, 'master-1')
    assert.ok(!m.args.some((a) => a.startsWith('-peers')), m.args.join(' '))
    assert.ok(!m.args.some((a) => a.startsWith('-telemetry')), m.args.join(' '))
    const v = proc(plan, 'volume-1')
    assert.equal(flag(v, 'mserver'), '127.0.0.1:9333')
    assert.equal(flag(v, 'master'), undefined)
    assert.equal(plan.weedVersion, '3.80')
  })

  test('S3 closes the Iceberg port from 4.09 and the Lance port from 4.43, each only where weed has the flag', () => {
    const s3Args = (version: string) => proc(planWith({'weed.version': version, 's3.count': 1}), 's3-1').args
    for (const version of ['3.80', '4.00', '4.08']) {
      assert.ok(!s3Args(version).some((a) => a.startsWith('-port.iceberg') || a.startsWith('-port.lance')), version)
    }
    for (const version of ['4.09', '4.30', '4.42']) {
      const args = s3Args(version)
      assert.ok(args.includes('-port.iceberg=0'), version)
      assert.ok(!args.some((a) => a.startsWith('-port.lance')), version)
    }
    for (const version of ['4.43', '4.44', '4.48']) {
      const args = s3Args(version)
      assert.ok(args.includes('-port.iceberg=0') && args.includes('-port.lance=0'), version)
    }
  })

  test('a version newer than any known is planned with the newest known flags', () => {
    assert.deepEqual(planWith({'weed.version': '4.99'}).processes.map((p) => p.args), planWith({'weed.version': '4.48'}).processes.map((p) => p.args))
  })
})

describe('s3', () => {
  test('s3-1: binds the spec address, points at the filers, own socket, keys by file, signed probes', () => {
    const plan = planWith({'s3.count': 1, 'filer.count': 2})
    const s = proc(plan, 's3-1')
    // its own config directory: the security.toml with the SSE-S3 key is for the gateways alone
    assert.deepEqual(s.args.slice(0, 3), ['-logtostderr=true', `-config_dir=${join(plan.runDir, 's3', 'conf')}`, 's3'])
    assert.equal(plan.s3!.securityFile, join(plan.runDir, 's3', 'conf', 'security.toml'))
    assert.equal(flag(proc(plan, 'filer-1'), 'config_dir'), join(DATA, 'conf'))
    assert.equal(flag(s, 'ip.bind'), '127.0.0.1')
    // weed s3 has no -ip flag; an unknown flag makes weed exit 2
    assert.equal(flag(s, 'ip'), undefined)
    assert.equal(flag(s, 'filer'), '127.0.0.1:8888,127.0.0.1:8889')
    assert.deepEqual([s.ports.http, s.ports.grpc], [8333, 18333])
    assert.equal(flag(s, 'localSocket'), socketPathFor(plan.runDir, 's3-1.sock'))
    // the identities file by path: no key on the command line, none in plan.json
    assert.equal(flag(s, 'config'), join(plan.runDir, 's3', 's3.json'))
    assert.deepEqual(s.readiness, {kind: 's3Signed', endpoint: 'http://127.0.0.1:8333', credentialsFile: join(plan.runDir, 's3', 'credentials.json'), region: 'us-east-1'})
    assert.deepEqual(s.liveness, s.readiness)
    assert.equal(plan.endpoints.s3, 'http://127.0.0.1:8333')
    assert.deepEqual(plan.processes.map((p) => p.kind), ['master', 'volume', 'volume', 'volume', 'volume', 'filer', 'filer', 's3'])
  })

  test('identity actions: every action the weed version knows, by bucket or path; an unknown one at file:line:col with the nearest', () => {
    const yaml = (version: string, actions: string) => `weed: {version: "${version}"}\ns3:\n  count: 1\n  identities:\n    - name: ci\n      actions: ${actions}\n`
    const file = join(BASE, 'seaweed.yaml')
    const plan = (version: string, actions: string) => {
      const {spec, source} = parseSpecText(yaml(version, actions), file)
      return planCluster(spec, source)
    }
    const all48 = '[Admin, Read, ReadAcp, Write, WriteAcp, List, Tagging, DeleteBucket, BypassGovernanceRetention, GetObjectRetention, PutObjectRetention, GetObjectLegalHold, PutObjectLegalHold, GetBucketObjectLockConfiguration, PutBucketObjectLockConfiguration, PutBucketPolicy, DeleteBucketPolicy]'
    assert.equal(plan('4.48', all48).s3!.identities[0].actions.length, 17)
    assert.deepEqual(plan('4.48', '[Read:ci-data, "Write:ci-data/logs/*", "List:ci-*"]').s3!.identities[0].actions, ['Read:ci-data', 'Write:ci-data/logs/*', 'List:ci-*'])
    // 4.30 has no bucket-policy actions (weed 4.41 added them)
    const tooNew = (() => { try { plan('4.30', '[Read, PutBucketPolicy:ci-data]') } catch (error) { return error as SeaweedctlError } })()
    assert.ok(tooNew instanceof SeaweedctlError)
    assert.equal(tooNew.code, 'SPEC_RANGE')
    assert.match(tooNew.message, new RegExp(`^${file.replaceAll('.', '\\.')}:6:23  s3\\.identities\\[0\\]\\.actions\\[1\\]: weed 4\\.30 knows no S3 action "PutBucketPolicy"`))
    assert.doesNotThrow(() => plan('4.48', '[Read, PutBucketPolicy:ci-data]'))
    const typo = (() => { try { plan('4.48', '[Raed:ci-data]') } catch (error) { return error as SeaweedctlError } })()
    assert.ok(typo instanceof SeaweedctlError)
    assert.match(typo.message, /:6:17 .*"Raed"/)
    assert.match(typo.hints.join('\n'), /Did you mean "Read:ci-data"\?/)
  })

  test('S3 without a filer is rejected', () => {
    const error = planError({'s3.count': 1, 'filer.count': 0})
    assert.equal(error.code, 'SPEC_RANGE')
    assert.match(error.message, /filer/)
  })
})

describe('several masters', () => {
  test('3 masters each get -peers with all three; clients get all three', () => {
    const plan = planWith({'master.count': 3})
    const all = '127.0.0.1:9333,127.0.0.1:9334,127.0.0.1:9335'
    const masters = plan.processes.filter((p) => p.kind === 'master')
    assert.deepEqual(masters.map((m) => [m.name, m.ports.http, m.ports.grpc]), [['master-1', 9333, 19333], ['master-2', 9334, 19334], ['master-3', 9335, 19335]])
    for (const m of masters) {
      assert.equal(flag(m, 'peers'), all)
      assert.deepEqual(m.readiness, {kind: 'masterLeader', urls: ['http://127.0.0.1:9333', 'http://127.0.0.1:9334', 'http://127.0.0.1:9335']})
    }
    assert.equal(flag(proc(plan, 'volume-1'), 'master'), all)
    assert.equal(flag(proc(plan, 'filer-1'), 'master'), all)
  })

  test('on one machine they elect after 1 s of silence; a single master and exports keep weed\'s default', () => {
    for (const m of planWith({'master.count': 3}).processes.filter((p) => p.kind === 'master')) {
      assert.equal(flag(m, 'electionTimeout'), '1s')
    }
    assert.equal(flag(proc(planWith(), 'master-1'), 'electionTimeout'), undefined)
    const exported = planCluster(specWith({'master.count': 3}), undefined, {oneHost: false, distinctVolumeHosts: false})
    for (const m of exported.processes.filter((p) => p.kind === 'master')) assert.equal(flag(m, 'electionTimeout'), undefined)
  })

  test('master.args -electionTimeout replaces the one-host default: the flag appears once, with the spec\'s value', () => {
    for (const m of planWith({'master.count': 3, 'master.args': ['-electionTimeout=3s']}).processes.filter((p) => p.kind === 'master')) {
      assert.deepEqual(m.args.filter((a) => a.startsWith('-electionTimeout')), ['-electionTimeout=3s'])
    }
  })
})

describe('volume server addresses', () => {
  test('stable per identity: volume-3 keeps 127.0.0.4 whatever the count', () => {
    for (const count of [3, 4, 8, 16]) assert.equal(proc(planWith({'volume.count': count}), 'volume-3').host, '127.0.0.4', `count ${count}`)
  })

  test('distinct for every server up to the largest count, never 127.0.0.1, .0 or .255', () => {
    const hosts = planWith({'volume.count': 200}).processes.filter((p) => p.kind === 'volume').map((p) => p.host)
    assert.equal(new Set(hosts).size, 200)
    for (const h of hosts) {
      assert.match(h, /^127\.0\.\d+\.\d+$/)
      assert.notEqual(h, '127.0.0.1')
      assert.ok(!/\.(0|255)$/.test(h), h)
    }
    assert.equal(volumeHost('127.0.0.1', 253), '127.0.0.254')
    assert.equal(volumeHost('127.0.0.1', 254), '127.0.1.1')
  })

  test('masters, filers, S3 and every endpoint stay on the bind address', () => {
    const plan = planWith({'s3.count': 1})
    assert.deepEqual(plan.endpoints, {master: 'http://127.0.0.1:9333', filer: 'http://127.0.0.1:8888', s3: 'http://127.0.0.1:8333'})
    assert.equal(flag(proc(plan, 'volume-1'), 'master'), '127.0.0.1:9333')
  })

  test('a bind that is not IPv4 loopback is kept for every process', () => {
    for (const bind of ['10.1.2.3', '::1', 'localhost']) {
      const plan = planWith({bind})
      for (const p of plan.processes) assert.equal(p.host, bind, `${bind} ${p.name}`)
      assert.equal(flag(proc(plan, 'volume-2'), 'ip'), bind)
    }
  })

  test('distinctVolumeHosts: false keeps every process on the bind address (exports)', () => {
    const plan = planCluster(specWith(), undefined, {distinctVolumeHosts: false})
    for (const p of plan.processes) {
      assert.equal(p.host, '127.0.0.1', p.name)
      assert.ok(!p.args.some((a) => /127\.0\.0\.(?!1\b)\d+/.test(a)), `${p.name}: ${p.args.join(' ')}`)
    }
  })
})

describe('placement', () => {
  test('racks round robin over volume servers, data centers over racks', () => {
    const plan = planWith({'volume.count': 6, 'volume.racks': 3, 'volume.dataCenters': 2})
    const volumes = plan.processes.filter((p) => p.kind === 'volume')
    assert.deepEqual(
      volumes.map((v) => `${flag(v, 'dataCenter')}/${flag(v, 'rack')}`),
      ['dc1/rack1', 'dc2/rack2', 'dc1/rack3', 'dc1/rack1', 'dc2/rack2', 'dc1/rack3'],
    )
    for (const v of volumes) assert.deepEqual(v.placement, {dataCenter: flag(v, 'dataCenter'), rack: flag(v, 'rack')})
    for (const p of plan.processes.filter((x) => x.kind !== 'volume')) assert.equal(p.placement, undefined)
  })

  test('more racks than volume servers is rejected', () => {
    const error = planError({'volume.count': 2, 'volume.racks': 3})
    assert.equal(error.code, 'SPEC_RANGE')
    assert.match(error.message, /volume\.racks is 3 but there are only 2 volume servers/)
  })

  test('more data centers than racks is rejected', () => {
    const error = planError({'volume.racks': 2, 'volume.dataCenters': 3})
    assert.equal(error.code, 'SPEC_RANGE')
    assert.match(error.message, /volume\.dataCenters is 3/)
  })
})

describe('port checks', () => {
  test('a volume\'s gRPC port equal to the filer\'s HTTP port', () => {
    const error = planError({'filer.port': 18080})
    assert.equal(error.code, 'PLAN_PORT_COLLISION')
    assert.match(error.message, /port 18080/)
    assert.match(error.message, /volume-1/)
    assert.match(error.message, /filer-1/)
    assert.equal(error.data.port, 18080)
    assert.deepEqual(error.data.processes, ['volume-1', 'filer-1'])
  })

  test('a volume\'s HTTP port equal to the filer\'s gRPC port', () => {
    const error = planError({'volume.port': 18885})
    assert.equal(error.code, 'PLAN_PORT_COLLISION')
    assert.match(error.message, /port 18888 .*volume-4.*filer-1/)
    assert.deepEqual(error.data.processes, ['volume-4', 'filer-1'])
  })

  test('enough volume servers to run into the filer\'s range', () => {
    const error = planError({'volume.port': 8800, 'volume.count': 100})
    assert.equal(error.code, 'PLAN_PORT_COLLISION')
    assert.match(error.message, /port 8888/)
    assert.match(error.message, /volume-89/)
    assert.match(error.message, /filer-1/)
    assert.deepEqual(error.data.processes, ['volume-89', 'filer-1'])
  })

  test('masters running into the volume range', () => {
    const error = planError({'master.count': 3, 'master.port': 8079})
    assert.equal(error.code, 'PLAN_PORT_COLLISION')
    assert.match(error.message, /port 8080 .*master-2.*volume-1/)
  })

  test('a collision names the spec position of the port when planned from a file', () => {
    const {spec, source} = parseSpecText('name: dev\nfiler:\n  port: 18081\n', join(BASE, 'seaweed.yaml'))
    assert.throws(() => planCluster(spec, source), (error: SeaweedctlError) => {
      assert.equal(error.code, 'PLAN_PORT_COLLISION')
      assert.match(error.message, /seaweed\.yaml:3:9/)
      assert.deepEqual([error.data.line, error.data.column], [3, 9])
      return true
    })
  })

  test('a port above 55535 (its gRPC twin would pass 65535) is PLAN_PORT_RANGE', () => {
    const error = planError({portOffset: 50_000})
    assert.equal(error.code, 'PLAN_PORT_RANGE')
    assert.match(error.message, /59333/)
    assert.equal(error.data.port, 59_333)
    assert.equal(error.data.process, 'master-1')

    const last = planError({'volume.port': 55_535})
    assert.equal(last.code, 'PLAN_PORT_RANGE')
    assert.equal(last.data.process, 'volume-2')
    assert.equal(last.data.port, 55_536)
  })

  test('the highest legal port is fine', () => {
    const plan = planWith({'volume.port': 55_532, 'metrics.enabled': false})
    assert.equal(proc(plan, 'volume-4').ports.grpc, 65_535)
  })

  test('metrics = HTTP + 5000, between the HTTP and gRPC blocks: no plan has a port of 32768 or above until gRPC has', () => {
    const plan = planWith({portOffset: 13_432, 'master.count': 3, 's3.count': 1})
    const ports = plan.processes.flatMap((p) => portsOf(p).map(([, port]) => port))
    assert.equal(Math.max(...ports), 32_767, 'master-3\'s gRPC, 19335 + 13432, is the highest')
    const https = plan.processes.map((p) => p.ports.http)
    const grpcs = plan.processes.map((p) => p.ports.grpc)
    for (const p of plan.processes) {
      assert.equal(p.ports.metrics, p.ports.http + 5000, p.name)
      assert.ok(p.ports.metrics! > Math.max(...https) && p.ports.metrics! < Math.min(...grpcs), `${p.name}: ${p.ports.metrics}`)
    }
  })
})

describe('replication', () => {
  test('001 with one volume server: PLAN_REPLICATION naming the replication, hint --volumes 2', () => {
    const error = planError({'master.defaultReplication': '001', 'volume.count': 1})
    assert.equal(error.code, 'PLAN_REPLICATION')
    assert.match(error.message, /"001"/)
    assert.match(error.message, /1 volume server/)
    assert.equal(error.data.replication, '001')
    assert.equal(error.hints.length, 1)
    assert.match(error.hints[0], /--volumes 2\b/)
    assert.match(error.hints[0], /--replication 001/)
  })

  test('010 needs 2 racks', () => {
    const error = planError({'master.defaultReplication': '010'})
    assert.equal(error.code, 'PLAN_REPLICATION')
    assert.match(error.message, /2 racks/)
    assert.match(error.hints[0], /--racks 2/)
    planWith({'master.defaultReplication': '010', 'volume.racks': 2})
  })

  test('100 needs 2 data centers', () => {
    const error = planError({'master.defaultReplication': '100', 'volume.racks': 2})
    assert.equal(error.code, 'PLAN_REPLICATION')
    assert.match(error.message, /2 data centers/)
    assert.match(error.hints[0], /--data-centers 2/)
    planWith({'master.defaultReplication': '100', 'volume.racks': 2, 'volume.dataCenters': 2})
  })

  test('011 with 4 volume servers in 2 racks is fine, with 3 it is not', () => {
    const plan = planWith({'master.defaultReplication': '011', 'volume.racks': 2})
    assert.equal(flag(proc(plan, 'master-1'), 'defaultReplication'), '011')
    assert.equal(plan.replication, '011')
    assert.equal(planError({'master.defaultReplication': '011', 'volume.racks': 2, 'volume.count': 3}).code, 'PLAN_REPLICATION')
  })

  test('the error names the replication key\'s position when planned from a file', () => {
    const {spec, source} = parseSpecText('volume:\n  count: 1\nmaster:\n  defaultReplication: 001\n', join(BASE, 'seaweed.yaml'))
    assert.throws(() => planCluster(spec, source), (error: SeaweedctlError) => {
      assert.equal(error.code, 'PLAN_REPLICATION')
      assert.match(error.message, /seaweed\.yaml:4:23/)
      return true
    })
  })

  test('the hint of a failing plan is a sizing that plans', () => {
    for (const replication of ['001', '002', '010', '011', '020', '100', '102', '110', '120', '200']) {
      let hint: string | undefined
      try {
        planWith({'master.defaultReplication': replication, 'volume.count': 1})
      } catch (error) {
        hint = (error as SeaweedctlError).hints[0]
      }
      assert.ok(hint, replication)
      const number = (name: string) => Number(new RegExp(`--${name} (\\d+)`).exec(hint!)?.[1] ?? 1)
      planWith({
        'master.defaultReplication': replication,
        'volume.count': number('volumes'), 'volume.racks': number('racks'), 'volume.dataCenters': number('data-centers'),
      })
    }
  })
})

describe('purity', () => {
  test('the same spec gives deep-equal plans', () => {
    const spec = specWith({'master.count': 3, 's3.count': 1, 'volume.racks': 2, portOffset: 7})
    assert.deepEqual(planCluster(spec), planCluster(spec))
  })

  test('planning touches no files', () => {
    assert.ok(!existsSync(BASE))
    planWith({'s3.count': 1})
    assert.ok(!existsSync(BASE), `${BASE} was created`)
  })

  test('the spec is not modified', () => {
    const spec = specWith()
    const copy = structuredClone(spec)
    planCluster(spec)
    assert.deepEqual(spec, copy)
  })
})

describe('socketPathFor', () => {
  test('a short run dir keeps the socket inside it', () => {
    assert.equal(socketPathFor('/srv/c/.seaweed/run', 'seaweedctl.sock'), '/srv/c/.seaweed/run/seaweedctl.sock')
  })

  test('a long run dir gives a short, stable path under the temp dir', () => {
    const long = `/home/someone/${'very-long-directory-name/'.repeat(6)}.seaweed/run`
    assert.ok(Buffer.byteLength(join(long, 'seaweedctl.sock')) > SOCKET_PATH_LIMIT)
    const path = socketPathFor(long, 'seaweedctl.sock', 1000)
    assert.ok(Buffer.byteLength(path) <= 107, path)
    assert.ok(path.startsWith(`${tmpdir()}/`), path)
    assert.ok(path.endsWith('seaweedctl.sock'), path)
    assert.equal(socketPathFor(long, 'seaweedctl.sock', 1000), path)
    assert.notEqual(socketPathFor(`${long}2`, 'seaweedctl.sock', 1000), path)
    assert.notEqual(socketPathFor(long, 'filer-1.sock', 1000), path)
  })

  test('the plan\'s sockets all fit, even with a long data dir', () => {
    const raw = defaultRaw() as Record<string, any>
    raw.dataDir = `${'x'.repeat(120)}/.seaweed`
    raw.s3.count = 1
    const plan = planCluster(specFromRaw(raw, BASE))
    assert.ok(Buffer.byteLength(plan.socketPath) <= SOCKET_PATH_LIMIT, plan.socketPath)
    for (const p of plan.processes) {
      const socket = flag(p, 'localSocket')
      if (socket) assert.ok(Buffer.byteLength(socket) <= SOCKET_PATH_LIMIT, socket)
    }
  })
})
