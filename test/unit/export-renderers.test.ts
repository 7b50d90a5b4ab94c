import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, after} from 'node:test'

import {parse, parseAllDocuments} from 'yaml'

import {renderCompose} from '../../src/export/compose.js'
import {renderK8s} from '../../src/export/k8s.js'
import {exportCluster} from '../../src/export/service.js'
import {renderSupervisor, supervisorCommand} from '../../src/export/supervisor.js'
import {renderSystemd} from '../../src/export/systemd.js'
import {renderHelm} from '../../src/export/helm.js'
import {renderOperator} from '../../src/export/operator.js'
import {generateS3Keys} from '../../src/export/kube-common.js'
import {argsWithFiles} from '../../src/export/process-files.js'
import {shellWords} from '../../src/import/weed-args.js'
import {planCluster} from '../../src/plan/planner.js'
import {isSeaweedctlError} from '../../src/lib/errors.js'
import {rawFromSizing} from '../../src/services/spec.js'
import {specFromRaw} from '../../src/clusterfile/load.js'
import {securityToml} from '../../src/s3/sse-key.js'
import {renderSpecYaml} from '../../src/clusterfile/render.js'
import type {SizingOptions} from '../../src/lib/sizing.js'

const WEED = '/opt/weed/bin/weed'

/** weed's identities file for two key pairs, as the export writes it. */
function s3IdentitiesFor(keys: ReturnType<typeof generateS3Keys>): string {
  return JSON.stringify({identities: [
    {name: 'admin', credentials: [keys.admin], actions: ['Admin']},
    {name: 'read', credentials: [keys.read], actions: ['Read', 'List']},
  ]})
}

function planOf(sizing: SizingOptions, dir = '/srv/cluster', raw: Record<string, any> = {}) {
  const base = rawFromSizing(sizing) as Record<string, any>
  return planCluster(specFromRaw({...base, name: 'dev', ...raw, supervise: {...base.supervise, ...raw.supervise}}, dir))
}

/** Sections of a supervisord config as key → value maps (the renderer writes no continuation lines). */
function ini(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const line of text.split('\n')) {
    if (line.startsWith(';') || line.trim() === '') continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) out.set(header[1], (current = new Map()))
    else {
      const eq = line.indexOf('=')
      current!.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim())
    }
  }
  return out
}

describe('export supervisor', () => {
  const plan = planOf({volumes: 4, replication: '001', portOffset: 2400})
  const {files, prerequisites} = renderSupervisor(plan, {weedPath: WEED})
  const conf = ini(files[0].content)

  it('renders one supervisord.conf with the control sections supervisord and supervisorctl need', () => {
    assert.deepEqual(files.map((f) => [f.path, f.kind]), [['supervisord.conf', 'supervisord-config']])
    for (const s of ['unix_http_server', 'supervisord', 'rpcinterface:supervisor', 'supervisorctl']) assert.ok(conf.has(s), s)
    assert.equal(conf.has('inet_http_server'), false)
    assert.doesNotMatch(files[0].content, /^password\s*=/m)
    const socket = conf.get('unix_http_server')!.get('file')!
    assert.equal(conf.get('unix_http_server')!.get('chmod'), '0700')
    assert.ok(socket.startsWith(`${plan.dataDir}/`), socket)
    assert.equal(conf.get('supervisorctl')!.get('serverurl'), `unix://${socket}`)
    assert.ok(conf.get('supervisord')!.get('pidfile')!.startsWith(`${plan.dataDir}/`))
    assert.ok(conf.get('supervisord')!.get('logfile')!.startsWith(`${plan.dataDir}/`))
    assert.deepEqual(prerequisites.map((p) => p.path), [join(plan.dataDir, 'supervisor'), plan.logDir])
  })

  it('orders kinds by priority and stops each after its own graceful stop, as a group', () => {
    for (const p of plan.processes) {
      const program = conf.get(`program:${p.name}`)!
      assert.ok(program, p.name)
      assert.equal(program.get('stopasgroup'), 'true')
      assert.equal(program.get('killasgroup'), 'true')
      assert.equal(Number(program.get('stopwaitsecs')), Math.ceil(p.stopTimeoutMs / 1000))
      assert.equal(program.get('stdout_logfile'), p.logFile)
      assert.equal(Number(program.get('stdout_logfile_maxbytes')), plan.logs.maxBytes)
      assert.equal(Number(program.get('stdout_logfile_backups')), plan.logs.backups)
      assert.equal(program.get('redirect_stderr'), 'true')
    }
    const priority = (name: string) => Number(conf.get(`program:${name}`)!.get('priority'))
    assert.ok(priority('master-1') < priority('volume-1'))
    assert.ok(priority('volume-4') < priority('filer-1'))
    const volume = plan.processes.find((p) => p.kind === 'volume')!
    const preStop = Number(volume.args.find((a) => a.startsWith('-preStopSeconds='))!.split('=')[1])
    assert.ok(Number(conf.get('program:volume-1')!.get('stopwaitsecs')) > preStop)
    assert.ok(Number(conf.get('program:filer-1')!.get('stopwaitsecs')) > 15)
    assert.equal(conf.get('group:volume')!.get('programs'), 'volume-1,volume-2,volume-3,volume-4')
  })

  it('creates the data directories, then execs weed itself with a clean environment and -logtostderr', () => {
    const p = plan.processes.find((q) => q.name === 'volume-2')!
    const words = shellWords(supervisorCommand(p, WEED))
    assert.deepEqual(words.slice(0, 2), ['/bin/sh', '-c'])
    const steps = words[2].split(' && ')
    assert.equal(steps[0], `mkdir -p ${p.dataDir}`)
    assert.equal(steps[1], `cd ${p.dataDir}`)
    const exec = shellWords(steps[2])
    assert.deepEqual(exec.slice(0, 3), ['exec', '/usr/bin/env', '-i'])
    const weedAt = exec.indexOf(WEED)
    assert.deepEqual(exec.slice(3, weedAt).sort(), Object.entries(p.env).map(([k, v]) => `${k}=${v}`).sort())
    assert.deepEqual(exec.slice(weedAt + 1), p.args)
    assert.ok(p.args.includes('-logtostderr=true'))
  })

  it('escapes % and refuses values supervisord would cut at a comment', () => {
    const odd = planOf({volumes: 1, dataDir: './data%1'})
    assert.match(renderSupervisor(odd, {weedPath: WEED}).files[0].content, /data%%1\/volume-1/)
    const bad = planOf({volumes: 1, dataDir: './a ;b'})
    assert.throws(() => renderSupervisor(bad, {weedPath: WEED}), /comment/)
  })

  it('is a pure function of the plan', () => {
    assert.equal(renderSupervisor(plan, {weedPath: WEED}).files[0].content, files[0].content)
  })
})

describe('export systemd', () => {
  const plan = planOf({volumes: 2, s3: true})
  const {files} = renderSystemd(plan, {weedPath: WEED, user: 'seaweedfs', group: 'seaweedfs'})

  it('renders one service per process and a target wanting them all', () => {
    assert.deepEqual(files.map((f) => f.path), [...plan.processes.map((p) => `seaweed-dev-${p.name}.service`), 'seaweed-dev.target', 'install.sh'])
    const target = files.find((f) => f.kind === 'systemd-target')!.content
    for (const p of plan.processes) assert.match(target, new RegExp(`Wants=.*seaweed-dev-${p.name}\\.service`))
  })

  it('orders kinds, creates directories first and waits long enough to stop', () => {
    const unit = (name: string) => files.find((f) => f.path === `seaweed-dev-${name}.service`)!.content
    assert.match(unit('volume-1'), /^After=network-online.target seaweed-dev-master-1.service$/m)
    assert.match(unit('volume-1'), /^Wants=network-online.target seaweed-dev-master-1.service$/m)
    assert.match(unit('volume-1'), /^Requires=seaweed-dev-master-1.service$/m)
    assert.match(unit('s3-1'), /^Requires=seaweed-dev-filer-1.service$/m)
    assert.doesNotMatch(unit('master-1'), /^Requires=/m)
    assert.match(unit('filer-1'), /^After=.*seaweed-dev-volume-2.service/m)
    assert.match(unit('s3-1'), /^After=.*seaweed-dev-filer-1.service/m)
    for (const p of plan.processes) {
      const text = unit(p.name)
      assert.match(text, new RegExp(`^ExecStartPre=\\+/usr/bin/install -d -o seaweedfs -g seaweedfs -m 0750 ${p.dataDir}`, 'm'))
      assert.match(text, /^User=seaweedfs$/m)
      assert.match(text, /^Group=seaweedfs$/m)
      assert.match(text, /^LimitNOFILE=65536$/m)
      assert.match(text, new RegExp(`^WorkingDirectory=-${p.cwd}$`, 'm'))
      assert.match(text, /^Restart=on-failure$/m)
      assert.equal(Number(/^TimeoutStopSec=(\d+)$/m.exec(text)![1]), Math.ceil(p.stopTimeoutMs / 1000))
      // The S3 identities file and the gateway's security.toml (-config_dir) are where the install step puts them,
      // not where the local cluster keeps its own.
      const args = p.args.map((a) => (a.startsWith('-config=') ? '-config=/etc/seaweedfs/dev/s3-identities.json' : p.kind === 's3' && a.startsWith('-config_dir=') ? '-config_dir=/etc/seaweedfs/dev' : a))
      assert.match(text, new RegExp(`^ExecStart=${WEED} ${args.join(' ').replaceAll('.', '\\.')}$`, 'm'))
    }
    const preStop = Number(plan.processes[1].args.find((a) => a.startsWith('-preStopSeconds='))!.split('=')[1])
    assert.ok(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit('volume-1'))![1]) >= preStop + 30)
  })
})

describe('export compose', () => {
  const plan = planOf({volumes: 2, s3: true, portOffset: 100})
  const doc = parse(renderCompose(plan).files[0].content)

  it('runs the weed image with healthchecks on the readiness endpoints', () => {
    assert.deepEqual(Object.keys(doc.services), plan.processes.map((p) => p.name))
    for (const p of plan.processes) {
      const s = doc.services[p.name]
      assert.equal(s.image, 'chrislusf/seaweedfs:4.48')
      const test = s.healthcheck.test.join(' ')
      const path = {master: '/cluster/status', volume: '/healthz', filer: '/healthz', s3: '/status'}[p.kind]
      assert.ok(test.includes(`:${p.ports.http}${path}`), test)
      assert.ok(s.command.includes(`-port=${p.ports.http}`))
      // The only -config_dir is the gateway's: the secrets directory that holds its security.toml.
      assert.ok(!s.command.some((a: string) => (a.startsWith('-config_dir') && (p.kind !== 's3' || a !== '-config_dir=/run/secrets')) || a.startsWith('-localSocket')))
      if (p.kind === 's3') assert.ok(s.command.indexOf('-config_dir=/run/secrets') < s.command.indexOf('s3'), 'a global flag, before the subcommand')
    }
    assert.match(doc.services['master-1'].healthcheck.test[1], /grep -q '"Leader"'/)
  })

  it('starts each kind once the previous one is healthy', () => {
    assert.equal(doc.services['master-1'].depends_on, undefined)
    assert.deepEqual(doc.services['volume-1'].depends_on, {'master-1': {condition: 'service_healthy'}})
    assert.deepEqual(doc.services['filer-1'].depends_on, {'volume-1': {condition: 'service_healthy'}, 'volume-2': {condition: 'service_healthy'}})
    assert.deepEqual(doc.services['s3-1'].depends_on, {'filer-1': {condition: 'service_healthy'}})
    assert.ok(doc.services['volume-1'].command.includes('-master=master-1:9433'))
    assert.ok(doc.services['s3-1'].command.includes('-filer=filer-1:8988'))
  })
})

describe('export k8s', () => {
  const plan = planOf({volumes: 4, racks: 2, replication: '010', masters: 3, s3: true})
  const docs = parseAllDocuments(renderK8s(plan).files[0].content).map((d) => d.toJS())

  it('renders headless Services and StatefulSets with probes and claims', () => {
    const services = docs.filter((d) => d.kind === 'Service')
    assert.deepEqual(services.map((s) => s.metadata.name), ['seaweed-dev-master', 'seaweed-dev-volume', 'seaweed-dev-filer', 'seaweed-dev-s3'])
    for (const s of services) assert.equal(s.spec.clusterIP, 'None')
    const sets = docs.filter((d) => d.kind === 'StatefulSet')
    assert.deepEqual(sets.map((s) => [s.metadata.name, s.spec.replicas]), [
      ['seaweed-dev-master', 3], ['seaweed-dev-volume-rack1', 2], ['seaweed-dev-volume-rack2', 2], ['seaweed-dev-filer', 1], ['seaweed-dev-s3', 1],
    ])
    for (const s of sets) {
      const c = s.spec.template.spec.containers[0]
      assert.ok(c.readinessProbe && c.livenessProbe, s.metadata.name)
      if (!s.metadata.name.endsWith('-s3')) assert.equal(s.spec.volumeClaimTemplates[0].metadata.name, 'data')
    }
    const master = sets[0].spec.template.spec.containers[0]
    assert.ok(master.args.includes('-peers=seaweed-dev-master-0.seaweed-dev-master:9333,seaweed-dev-master-1.seaweed-dev-master:9333,seaweed-dev-master-2.seaweed-dev-master:9333'))
    assert.equal(sets[0].spec.template.spec.containers[0].livenessProbe.httpGet.path, '/cluster/status')
    assert.ok(sets[1].spec.template.spec.containers[0].args.includes('-rack=rack1'))
    assert.ok(sets[2].spec.template.spec.containers[0].args.includes('-rack=rack2'))
    assert.equal(sets[1].spec.template.spec.containers[0].readinessProbe.httpGet.path, '/status')
    assert.equal(sets[3].spec.template.spec.containers[0].readinessProbe.httpGet.path, '/healthz')
    const volumeGrace = sets[1].spec.template.spec.terminationGracePeriodSeconds
    assert.equal(volumeGrace, Math.ceil(plan.processes.find((p) => p.kind === 'volume')!.stopTimeoutMs / 1000))
  })
})

describe('exportCluster (writing files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-export-'))
  after(() => rmSync(dir, {recursive: true, force: true}))
  const spec = join(dir, 'seaweed.yaml')
  writeFileSync(spec, renderSpecYaml(rawFromSizing({volumes: 2})))

  it('prints without -o, writes with -o, and refuses to overwrite without --force', async () => {
    const printed = await exportCluster({target: 'systemd', file: spec, force: false, weed: WEED})
    assert.equal(printed.outDir, null)
    assert.ok(printed.files.every((f) => f.content && f.content.length > 0))
    const out = join(dir, 'out')
    const written = await exportCluster({target: 'supervisor', file: spec, out, force: false, weed: WEED})
    assert.deepEqual(written.files.map((f) => [f.path, f.kind]), [[join(out, 'supervisord.conf'), 'supervisord-config']])
    assert.equal(written.weed?.path, WEED)
    assert.equal(statSync(join(dir, '.seaweed', 'supervisor')).mode & 0o777, 0o700)
    assert.ok(existsSync(join(dir, '.seaweed', 'logs')))
    const before = readFileSync(join(out, 'supervisord.conf'), 'utf8')
    await assert.rejects(exportCluster({target: 'supervisor', file: spec, out, force: false, weed: WEED}), (e) => isSeaweedctlError(e) && e.code === 'OUTPUT_EXISTS' && e.exitCode === 2)
    assert.equal(readFileSync(join(out, 'supervisord.conf'), 'utf8'), before)
    const again = await exportCluster({target: 'supervisor', file: spec, out, force: true, weed: '/other/weed'})
    assert.equal(again.files.length, 1)
    assert.match(readFileSync(join(out, 'supervisord.conf'), 'utf8'), /\/other\/weed/)
  })

  it('keeps every process on the spec\'s bind address: no per-volume loopback address in any target', async () => {
    for (const target of ['supervisor', 'systemd', 'compose', 'k8s'] as const) {
      const printed = await exportCluster({target, file: spec, force: false, weed: WEED})
      for (const f of printed.files) assert.doesNotMatch(f.content ?? '', /127\.0\.0\.(?!1\b)\d+/, `${target} ${f.path}`)
    }
  })
})

describe('export systemd with several masters', () => {
  const plan = planOf({masters: 3, volumes: 2})
  const {files, notes} = renderSystemd(plan, {weedPath: WEED, user: 'svc', group: 'storage'})
  it('orders after every master but requires none (losing one of three must not stop the servers)', () => {
    const volume = files.find((f) => f.path === 'seaweed-dev-volume-1.service')!.content
    assert.match(volume, /^After=network-online.target seaweed-dev-master-1.service seaweed-dev-master-2.service seaweed-dev-master-3.service$/m)
    assert.doesNotMatch(volume, /^Requires=/m)
    assert.match(volume, /^User=svc$/m)
    assert.match(volume, /^Group=storage$/m)
    assert.match(notes!.join('\n'), /groupadd --system storage; useradd --system --gid storage .* svc/)
  })
})

/** Every weed argument of a container export, per process. */
function composeArgs(plan: ReturnType<typeof planOf>): Array<[string, string[]]> {
  const doc = parse(renderCompose(plan).files[0].content)
  return Object.entries(doc.services).map(([name, s]: [string, any]) => [name, s.command as string[]])
}

describe('no local-only relaxation leaves the machine', () => {
  // Replicated, on loopback: the planner adds -volume.allowUntrustedRemoteEndpoints for the local cluster.
  const plan = planOf({masters: 3, volumes: 4, racks: 2, replication: '010', s3: true})
  const keys = generateS3Keys()
  const secretWords = [keys.admin.accessKey, keys.admin.secretKey, keys.read.accessKey, keys.read.secretKey]
  it('the plan itself has the relaxation (so the checks below can fail)', () => {
    assert.ok(plan.processes.filter((p) => p.kind === 'volume').every((p) => p.args.includes('-volume.allowUntrustedRemoteEndpoints=true')))
  })

  it('compose: no relaxation and no loopback in any weed argument but the host-reachable -publicUrl', () => {
    for (const [name, args] of composeArgs(plan)) {
      assert.ok(!args.some((a) => a.includes('allowUntrustedRemoteEndpoints')), name)
      assert.deepEqual(args.filter((a) => /127\.0\.0\./.test(a)).map((a) => a.split('=')[0]), name.startsWith('volume') ? ['-publicUrl'] : [], name)
    }
  })

  it('k8s: no relaxation and no loopback address in any argument', () => {
    const text = renderK8s(plan).files[0].content
    for (const doc of parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d.kind === 'StatefulSet')) {
      const args: string[] = doc.spec.template.spec.containers[0].args
      assert.ok(!args.some((a) => a.includes('allowUntrustedRemoteEndpoints') || /127\.0\.0\./.test(a)), doc.metadata.name)
    }
  })

  it('helm, operator and k8s: no relaxation, no loopback, and the S3 keys only in the 0600 Secret file', () => {
    const identities = s3IdentitiesFor(keys)
    const kek = 'cd'.repeat(32)
    const contents = {s3Identities: identities, securityToml: securityToml(kek)}
    for (const rendering of [renderHelm(plan, {keys, buckets: ['photos']}), renderOperator(plan, {}, contents), renderK8s(plan, contents)]) {
      const [main, secret] = rendering.files
      assert.ok(!main.content.includes(kek), `${main.path} carries the SSE-S3 key`)
      // Only the k8s manifests mount a security.toml; the chart and the operator have no setting for it and say so.
      if (main.kind === 'k8s-manifests') assert.ok(secret.content.includes(`kek = "${kek}"`), 'the Secret file lacks the SSE-S3 key')
      else assert.match(rendering.notes!.join('\n'), /no setting for the S3 gateway's SSE-S3 key-encryption key/)
      // (The k8s probes run in the pod, on its own loopback; its arguments are checked above.)
      if (main.kind !== 'k8s-manifests') assert.doesNotMatch(main.content, /allowUntrustedRemoteEndpoints|127\.0\.0\./)
      for (const word of secretWords) assert.ok(!main.content.includes(word), `${main.path} carries a key`)
      assert.equal(secret.kind, 'k8s-secret')
      assert.equal(secret.mode, 0o600)
      assert.ok(secretWords.every((w) => secret.content.includes(w)), 'the Secret file lacks a key')
    }
  })

  it('helm, operator and k8s without keys (stdout): no Secret file, and a note naming the Secret', () => {
    for (const rendering of [renderHelm(plan), renderOperator(plan), renderK8s(plan)]) {
      assert.equal(rendering.files.length, 1)
      assert.match(rendering.notes!.join('\n'), /seaweed-dev-s3/)
    }
  })

  it('host engines on one machine keep the plan\'s addresses, and the relaxation only on loopback', () => {
    const supervisor = renderSupervisor(plan, {weedPath: WEED}).files[0].content
    assert.equal((supervisor.match(/-volume\.allowUntrustedRemoteEndpoints=true/g) ?? []).length, 4)
    const systemd = renderSystemd(plan, {weedPath: WEED, user: 'seaweedfs', group: 'seaweedfs'}).files
    assert.equal(systemd.filter((f) => f.content.includes('-volume.allowUntrustedRemoteEndpoints=true')).length, 4)
    const routable = planOf({volumes: 2, replication: '001'}, '/srv/cluster', {bind: '10.1.2.3'})
    for (const text of [renderSupervisor(routable, {weedPath: WEED}).files[0].content, ...renderSystemd(routable, {weedPath: WEED, user: 'seaweedfs', group: 'seaweedfs'}).files.map((f) => f.content)]) {
      assert.doesNotMatch(text, /allowUntrustedRemoteEndpoints/)
    }
  })
})

describe('export helm values', () => {
  it('one volume group per rack with the default group off; a single rack uses the default group', () => {
    const multi = parse(renderHelm(planOf({volumes: 4, racks: 2, replication: '010'})).files[0].content)
    assert.equal(multi.volume.enabled, false)
    assert.deepEqual(multi.volumes, {rack1: {replicas: 2, rack: 'rack1', dataCenter: 'dc1'}, rack2: {replicas: 2, rack: 'rack2', dataCenter: 'dc1'}})
    const dcs = parse(renderHelm(planOf({volumes: 4, racks: 2, dataCenters: 2, replication: '100'})).files[0].content)
    assert.deepEqual(Object.keys(dcs.volumes), ['dc1-rack1', 'dc2-rack2'])
    const single = parse(renderHelm(planOf({volumes: 3, replication: '001', portOffset: 10})).files[0].content)
    assert.equal(single.volume.enabled, true)
    assert.equal(single.volume.replicas, 3)
    assert.equal(single.volume.port, 8090)
    assert.equal(single.volume.grpcPort, 18090)
    assert.deepEqual(single.volumes, {})
    assert.equal(single.master.defaultReplication, '001')
    assert.equal(single.filer.defaultReplicaPlacement, '001')
    assert.deepEqual(single.s3, {enabled: false})
  })
})

describe('export compose for the host', () => {
  const plan = planOf({volumes: 2, s3: true, portOffset: 100})
  const doc = parse(renderCompose(plan).files[0].content)
  it('publishes HTTP and gRPC, advertises the published address, restarts unless stopped', () => {
    for (const p of plan.processes) {
      const s = doc.services[p.name]
      assert.deepEqual(s.ports, [`127.0.0.1:${p.ports.http}:${p.ports.http}`, `127.0.0.1:${p.ports.grpc}:${p.ports.grpc}`])
      assert.equal(s.restart, 'unless-stopped')
      // A gateway keeps no data: no volume.
      assert.deepEqual(s.volumes, p.kind === 's3' ? undefined : [`${p.name}-data:/data`])
      if (p.kind === 'volume') assert.ok(s.command.includes(`-publicUrl=127.0.0.1:${p.ports.http}`), s.command.join(' '))
    }
    assert.deepEqual(Object.keys(doc.volumes), plan.processes.filter((p) => p.kind !== 's3').map((p) => `${p.name}-data`))
    const never = parse(renderCompose(planOf({volumes: 1}, '/srv/cluster', {supervise: {restart: 'never'}})).files[0].content)
    assert.equal(never.services['volume-1'].restart, 'no')
  })

  it('healthchecks fail on a hung or unready process: timeouts, a leader for masters, a heartbeat for volumes', () => {
    assert.deepEqual(doc.services['volume-1'].healthcheck.test, ['CMD', 'wget', '-q', '-T', '5', '-O', '/dev/null', `http://127.0.0.1:8180/healthz`])
    assert.match(doc.services['master-1'].healthcheck.test[1], /^wget -q -T 5 -O - http:\/\/127\.0\.0\.1:9433\/cluster\/status \| grep -q '"Leader"'$/)
    for (const s of Object.values(doc.services) as any[]) assert.ok(s.healthcheck.test.join(' ').includes('-T 5'))
  })
})

describe('exportCluster: flags of the host and Kubernetes targets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-export-flags-'))
  after(() => rmSync(dir, {recursive: true, force: true}))
  const spec = join(dir, 'seaweed.yaml')
  writeFileSync(spec, renderSpecYaml({...rawFromSizing({volumes: 2, s3: true}), name: 'dev'}))
  const badArgument = (pattern: RegExp) => (e: unknown) => isSeaweedctlError(e) && e.code === 'BAD_ARGUMENT' && e.exitCode === 2 && pattern.test(e.message)

  it('systemd: data under /var/lib/seaweedfs/NAME and /usr/local/bin/weed by default; /tmp refused without --force, nothing written', async () => {
    const printed = await exportCluster({target: 'systemd', file: spec, force: false})
    assert.equal(printed.weed?.path, '/usr/local/bin/weed')
    assert.match(printed.files[0].content!, /^ExecStart=\/usr\/local\/bin\/weed .*-mdir=\/var\/lib\/seaweedfs\/dev\/master-1 /m)
    assert.match(printed.notes.join('\n'), /useradd --system --user-group .* seaweedfs/)
    const out = join(dir, 'units')
    await assert.rejects(exportCluster({target: 'systemd', file: spec, out, force: false, dataDir: '/tmp/sw'}), badArgument(/--data-dir \/tmp\/sw is a temporary directory/))
    assert.equal(existsSync(out), false)
    const forced = await exportCluster({target: 'systemd', file: spec, force: true, dataDir: '/tmp/sw'})
    assert.match(forced.warnings.join('\n'), /temporary directory \(written because of --force\)/)
    await assert.rejects(exportCluster({target: 'systemd', file: spec, force: false, dataDir: 'srv'}), badArgument(/not an absolute path/))
    await assert.rejects(exportCluster({target: 'systemd', file: spec, force: false, user: 'Bad User'}), badArgument(/--user "Bad User" is not a user or group name/))
    const cached = await exportCluster({target: 'systemd', file: spec, force: false, weed: '/root/.cache/seaweedctl/weed/4.48/weed'})
    assert.match(cached.warnings.join('\n'), /home directory or cache/)
  })

  it('helm: --bucket must be an S3 bucket name; keys only with -o', async () => {
    await assert.rejects(exportCluster({target: 'helm', file: spec, force: false, buckets: ['Not_A_Bucket']}), badArgument(/--bucket "Not_A_Bucket"/))
    const printed = await exportCluster({target: 'helm', file: spec, force: false, buckets: ['photos']})
    assert.deepEqual(printed.files.map((f) => f.kind), ['helm-values'])
    assert.match(printed.files[0].content!, /name: photos/)
    const out = join(dir, 'helm')
    const written = await exportCluster({target: 'helm', file: spec, out, force: false})
    assert.deepEqual(written.files.map((f) => f.kind), ['helm-values', 'k8s-secret'])
    assert.equal(statSync(join(out, 's3-credentials.secret.yaml')).mode & 0o777, 0o600)
    // Overwritten with --force, the Secret stays 0600 and gets new keys.
    const before = readFileSync(join(out, 's3-credentials.secret.yaml'), 'utf8')
    await exportCluster({target: 'helm', file: spec, out, force: true})
    assert.equal(statSync(join(out, 's3-credentials.secret.yaml')).mode & 0o777, 0o600)
    assert.notEqual(readFileSync(join(out, 's3-credentials.secret.yaml'), 'utf8'), before)
  })
})

describe('files a process reads', () => {
  const identities = {flag: '-config', name: 's3-identities.json', secretKey: 'seaweedfs_s3_config'}
  const security = {flag: '-config_dir', name: 'security.toml', secretKey: 'security_toml', inDirectory: true}
  const place = (f: {name: string}) => `/run/secrets/${f.name}`

  it('a file flag names the file where the engine puts it', () => {
    assert.deepEqual(argsWithFiles(['-logtostderr=true', 's3', '-config=/home/me/.seaweed/run/s3/s3.json', '-port=8333'], [identities], place), ['-logtostderr=true', 's3', '-config=/run/secrets/s3-identities.json', '-port=8333'])
  })

  it('a file found in a directory names the directory, and the flag is added in front when the plan lacks it (a container drops -config_dir)', () => {
    assert.deepEqual(argsWithFiles(['-logtostderr=true', '-config_dir=/home/me/conf', 's3'], [security], place), ['-logtostderr=true', '-config_dir=/run/secrets', 's3'])
    assert.deepEqual(argsWithFiles(['-logtostderr=true', 's3', '-config=/x'], [security, identities], place), ['-config_dir=/run/secrets', '-logtostderr=true', 's3', '-config=/run/secrets/s3-identities.json'])
  })
})
