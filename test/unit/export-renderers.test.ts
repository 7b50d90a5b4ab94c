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
import {shellWords} from '../../src/import/weed-args.js'
import {planCluster} from '../../src/plan/planner.js'
import {isSeaweedctlError} from '../../src/lib/errors.js'
import {rawFromSizing} from '../../src/services/spec.js'
import {specFromRaw} from '../../src/spec/load.js'
import {renderSpecYaml} from '../../src/spec/render.js'
import type {SizingOptions} from '../../src/lib/spec-flags.js'

const WEED = '/opt/weed/bin/weed'

function planOf(sizing: SizingOptions, dir = '/srv/cluster') {
  return planCluster(specFromRaw(rawFromSizing(sizing), dir))
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
  const {files} = renderSystemd(plan, {weedPath: WEED})

  it('renders one service per process and a target wanting them all', () => {
    assert.deepEqual(files.map((f) => f.path), [...plan.processes.map((p) => `seaweed-dev-${p.name}.service`), 'seaweed-dev.target'])
    const target = files.at(-1)!.content
    for (const p of plan.processes) assert.match(target, new RegExp(`Wants=.*seaweed-dev-${p.name}\\.service`))
  })

  it('orders kinds, creates directories first and waits long enough to stop', () => {
    const unit = (name: string) => files.find((f) => f.path === `seaweed-dev-${name}.service`)!.content
    assert.match(unit('volume-1'), /^After=network-online.target seaweed-dev-master-1.service$/m)
    assert.match(unit('volume-1'), /^Wants=network-online.target seaweed-dev-master-1.service$/m)
    assert.match(unit('filer-1'), /^After=.*seaweed-dev-volume-2.service/m)
    assert.match(unit('s3-1'), /^After=.*seaweed-dev-filer-1.service/m)
    for (const p of plan.processes) {
      const text = unit(p.name)
      assert.match(text, new RegExp(`^ExecStartPre=/bin/mkdir -p ${p.dataDir}`, 'm'))
      assert.match(text, new RegExp(`^WorkingDirectory=-${p.cwd}$`, 'm'))
      assert.match(text, /^Restart=on-failure$/m)
      assert.equal(Number(/^TimeoutStopSec=(\d+)$/m.exec(text)![1]), Math.ceil(p.stopTimeoutMs / 1000))
      assert.match(text, new RegExp(`^ExecStart=${WEED} ${p.args.join(' ').replaceAll('.', '\\.')}$`, 'm'))
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
      const path = {master: '/cluster/status', volume: '/status', filer: '/healthz', s3: '/status'}[p.kind]
      assert.ok(test.includes(`:${p.ports.http}${path}`), test)
      assert.ok(s.command.includes(`-port=${p.ports.http}`))
      assert.ok(!s.command.some((a: string) => a.startsWith('-config_dir') || a.startsWith('-localSocket')))
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
