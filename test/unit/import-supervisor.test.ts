import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'

import {renderSupervisor} from '../../src/export/supervisor.js'
import {expandPercent, readSupervisorConfig} from '../../src/import/ini.js'
import {convertSupervisorConfig, supervisorBytes} from '../../src/import/supervisor.js'
import {importSupervisor} from '../../src/import/service.js'
import {parseCommandLine, parseWeedWords, shellWords} from '../../src/import/weed-args.js'
import {isSeaweedctlError} from '../../src/lib/errors.js'
import {planCluster} from '../../src/plan/planner.js'
import {preflight} from '../../src/plan/preflight.js'
import type {Plan} from '../../src/plan/types.js'
import {planFromFile} from '../../src/services/plan.js'
import {rawFromSizing} from '../../src/services/spec.js'
import {loadSpecFile, specFromRaw} from '../../src/clusterfile/load.js'
import type {SizingOptions} from '../../src/lib/sizing.js'

const SEED = fileURLToPath(new URL('../fixtures/seed-supervisord.conf', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'seaweedctl-import-'))
after(() => rmSync(work, {recursive: true, force: true}))

describe('import supervisor: the seed guide config', () => {
  const file = join(work, 'seed', 'seaweed.yaml')
  mkdirSync(join(work, 'seed'))
  const result = importSupervisor({input: SEED, file, force: false})
  const messages = result.notes.map((n) => `${n.severity}: ${n.where}: ${n.message}`)
  const has = (severity: string, pattern: RegExp) => assert.ok(
    result.notes.some((n) => n.severity === severity && pattern.test(`${n.where} ${n.message}`)),
    `no ${severity} note matching ${pattern}:\n${messages.join('\n')}`,
  )

  it('yields 1 master, 4 volume servers, 4 filers and replication 001', () => {
    const spec = loadSpecFile(file).spec
    assert.equal(spec.master.count, 1)
    assert.equal(spec.volume.count, 4)
    assert.equal(spec.filer.count, 4)
    assert.equal(spec.master.defaultReplication, '001')
    assert.deepEqual(result.cluster.ports, {master: 19333, volume: 9001, filer: 14401, s3: 8333})
    assert.equal(spec.volume.max, 1000)
    assert.equal(spec.volume.preStopSeconds, 10)
    assert.equal(spec.dataDir, '/data/weedTest')
    assert.equal(spec.supervise.restart, 'always')
    assert.equal(spec.logs.maxBytes, 50 * 1024 * 1024)
    assert.equal(spec.logs.backups, 14)
  })

  it('plans like `seaweedctl cluster plan` does', () => {
    const plan = planFromFile(file)
    preflight(plan)
    assert.deepEqual(plan.processes.map((p) => p.name), ['master-1', 'volume-1', 'volume-2', 'volume-3', 'volume-4', 'filer-1', 'filer-2', 'filer-3', 'filer-4'])
  })

  it('reports the seed\'s mistakes instead of repeating them', () => {
    has('mistake', /\[program:weedfiler\].*malformed weed filer command line.*"2\.60\.250\.205".*"defaultReplicaPlacement=001"/)
    has('mistake', /\[inet_http_server\].*plain-text password/)
    has('mistake', /\[inet_http_server\].*202\.60\.250\.205:9991.*reachable from other machines/)
    has('mistake', /serverurl is set twice/)
    has('mistake', /files pattern \/data\/config\/supervisor\/conf\.d\/\*\.conf matches no file/)
    has('mistake', /every program has priority 999/)
    has('mistake', /weedfiler_01, weedfiler_02, weedfiler_03, weedfiler_04 all keep their store.*\/usr\/bin/)
    has('mistake', /\[program:weedvolume\].*stopwaitsecs=10 is not longer than.*-preStopSeconds \(10\)/)
    has('mistake', /without -logtostderr/)
    has('changed', /-mserver is the pre-4\.00 name/)
    has('changed', /\/data\/weedTest\/v01 → \/data\/weedTest\/volume-1/)
    has('dropped', /\[program:weedmaster\].*startsecs=5/)
    has('dropped', /\[supervisord\].*minfds/)
  })

  it('refuses to overwrite without --force, and leaves the file alone', () => {
    const before = readFileSync(file, 'utf8')
    assert.throws(() => importSupervisor({input: SEED, file, force: false}), (e) => isSeaweedctlError(e) && e.code === 'SPEC_EXISTS' && e.exitCode === 2)
    assert.equal(readFileSync(file, 'utf8'), before)
    assert.equal(importSupervisor({input: SEED, file, force: true}).overwritten, true)
  })

  it('fails with a clear error for a missing file or a config without weed', () => {
    assert.throws(() => importSupervisor({input: join(work, 'nope.conf'), file: join(work, 'x.yaml'), force: false}), (e) => isSeaweedctlError(e) && e.code === 'IMPORT_NOT_FOUND')
    const plain = join(work, 'plain.conf')
    writeFileSync(plain, '[program:cat]\ncommand=/bin/cat\n')
    assert.throws(() => importSupervisor({input: plain, file: join(work, 'x.yaml'), force: false}), (e) => isSeaweedctlError(e) && e.code === 'IMPORT_NO_WEED' && e.exitCode === 2)
  })
})

describe('supervisord syntax', () => {
  it('reads includes, numprocs, process_name, %(ENV_X)s and both kinds of comments', () => {
    const dir = join(work, 'inc')
    mkdirSync(join(dir, 'conf.d'), {recursive: true})
    writeFileSync(join(dir, 'main.conf'), [
      '; a comment', '# another', '[supervisord]', 'identifier = lab ; inline comment', '',
      '[include]', 'files = conf.d/*.ini', '   other/*.ini', '',
    ].join('\n'))
    writeFileSync(join(dir, 'conf.d', 'a.ini'), [
      '[program:m]',
      'command = %(ENV_WEEDBIN)s -logtostderr master -port 9400 -ip=127.0.0.1 -mdir=%(ENV_BASE)s/m -defaultReplication=010 -volumeSizeLimitMB=512 ; comment',
    ].join('\n'))
    writeFileSync(join(dir, 'conf.d', 'b.ini'), [
      '[program:v]',
      'process_name=%(program_name)s_%(process_num)d',
      'numprocs = 4',
      'numprocs_start = 1',
      'command = %(ENV_WEEDBIN)s -logtostderr volume -port=81%(process_num)02d -ip=127.0.0.1 -dir=%(ENV_BASE)s/v%(process_num)d -max=7 -master=127.0.0.1:9400 -rack=r%(process_num)d -preStopSeconds=2',
      'stdout_logfile_maxbytes=1MB',
      'stdout_logfile_backups=3',
      'autorestart=unexpected',
      'priority=20',
    ].join('\n'))
    const env = {WEEDBIN: '/usr/local/bin/weed', BASE: '/var/lib/sw'}
    const doc = readSupervisorConfig(join(dir, 'main.conf'), env)
    assert.equal(doc.files.length, 3)
    assert.ok(doc.problems.some((p) => /other\/\*\.ini matches no file/.test(p.message)))
    const {raw, notes} = convertSupervisorConfig(doc, {env})
    assert.equal(raw.name, 'lab')
    assert.equal(raw.master.port, 9400)
    assert.equal(raw.master.defaultReplication, '010')
    assert.equal(raw.master.volumeSizeLimitMB, 512)
    assert.equal(raw.volume.count, 4)
    assert.equal(raw.volume.port, 8101)
    assert.equal(raw.volume.max, 7)
    // r1..r4 alternate in seaweedctl's round robin only with 4 racks of one server each
    assert.equal(raw.volume.racks, 4)
    assert.equal(raw.volume.preStopSeconds, 2)
    assert.equal(raw.filer.count, 0)
    assert.equal(raw.dataDir, '/var/lib/sw')
    assert.equal(raw.supervise.restart, 'on-failure')
    assert.equal(raw.logs.maxBytes, '1MiB')
    assert.equal(raw.logs.backups, 3)
    assert.ok(notes.some((n) => n.severity === 'changed' && /\/var\/lib\/sw\/v1 → \/var\/lib\/sw\/volume-1/.test(n.message)))
    // the plan of the imported spec runs the same flags the config did
    const plan = planCluster(specFromRaw(raw, dir))
    assert.ok(plan.processes.find((p) => p.name === 'volume-3')!.args.includes('-port=8103'))
    assert.ok(plan.processes.find((p) => p.name === 'volume-3')!.args.includes('-rack=rack3'))
  })

  it('expands Python %-formats as supervisord does', () => {
    const unknown: string[] = []
    assert.equal(expandPercent('v%(process_num)02d-%(n)s-%(process_num)d%%', {process_num: 3, n: 'x'}, (k) => unknown.push(k)), 'v03-x-3%')
    assert.equal(expandPercent('%(nope)s', {}, (k) => unknown.push(k)), '%(nope)s')
    assert.deepEqual(unknown, ['nope'])
    assert.equal(supervisorBytes('50MB'), 50 * 1024 * 1024)
    assert.equal(supervisorBytes('1234'), 1234)
  })

  it('reads weed command lines with Go flag syntax', () => {
    assert.deepEqual(shellWords(`weed master -defaultReplication="001" -ip='a b' x\\ y`), ['weed', 'master', '-defaultReplication=001', '-ip=a b', 'x y'])
    const inv = parseWeedWords(shellWords('/opt/weed -v=2 -logtostderr volume --port 8080 -max=3 -dir /d extra -rack=r1'))!
    assert.equal(inv.command, 'volume')
    assert.deepEqual([...inv.global], [['v', '2'], ['logtostderr', 'true']])
    assert.deepEqual([...inv.flags], [['port', '8080'], ['max', '3'], ['dir', '/d']])
    assert.deepEqual(inv.stray, ['extra', '-rack=r1'])
    const wrapped = parseCommandLine(`/bin/sh -c "mkdir -p /x && cd /x && exec /usr/bin/env -i HOME=/x 'PATH=/bin' /w/weed filer -port=1"`)
    assert.equal(wrapped.cwd, '/x')
    assert.equal(wrapped.cleanEnv, true)
    assert.deepEqual(wrapped.env, {HOME: '/x', PATH: '/bin'})
    assert.equal(wrapped.invocation?.command, 'filer')
    assert.equal(parseCommandLine('/bin/cat').invocation, undefined)
  })

  it('splits weed server into its components', () => {
    const dir = join(work, 'server')
    mkdirSync(dir)
    writeFileSync(join(dir, 's.conf'), '[program:all]\ncommand=weed server -ip=127.0.0.1 -dir=/srv/sw/data -filer -master.port=9555 -volume.port=8555 -volume.max=5 -filer.port=8855\n')
    const {raw, notes} = convertSupervisorConfig(readSupervisorConfig(join(dir, 's.conf')))
    assert.deepEqual([raw.master.count, raw.volume.count, raw.filer.count], [1, 1, 1])
    assert.deepEqual([raw.master.port, raw.volume.port, raw.filer.port, raw.volume.max], [9555, 8555, 8855, 5])
    assert.ok(notes.some((n) => /runs master, volume, filer in one process/.test(n.message)))
  })
})

describe('round trip: export supervisor, then import supervisor', () => {
  const cases: Array<[string, SizingOptions]> = [
    ['default', {}],
    ['4 volumes, 001, offset', {volumes: 4, replication: '001', portOffset: 2400}],
    ['3 masters, racks, s3', {masters: 3, volumes: 6, racks: 3, dataCenters: 1, replication: '010', s3: true, filers: 2}],
    ['two data centers', {volumes: 4, racks: 2, dataCenters: 2, replication: '100', filers: 0}],
  ]
  const essentials = (plan: Plan) => plan.processes.map((p) => ({name: p.name, args: p.args, cwd: p.cwd, env: p.env, placement: p.placement, stop: p.stopTimeoutMs}))

  for (const [label, sizing] of cases) {
    it(`gives back an equivalent spec (${label})`, () => {
      const dir = join(work, `rt-${label.replace(/\W+/g, '-')}`)
      mkdirSync(dir)
      const raw = rawFromSizing(sizing)
      raw.supervise.restart = 'always'
      raw.logs.backups = 4
      raw.volume.preStopSeconds = 3
      raw.name = 'rt'
      const original = planCluster(specFromRaw(raw, dir))
      const conf = join(dir, 'supervisord.conf')
      writeFileSync(conf, renderSupervisor(original, {weedPath: '/opt/weed'}).files[0].content)
      const result = importSupervisor({input: conf, file: join(dir, 'seaweed.yaml'), force: false})
      const imported = planFromFile(join(dir, 'seaweed.yaml'))
      assert.deepEqual(essentials(imported), essentials(original))
      assert.equal(imported.name, 'rt')
      assert.equal(imported.replication, original.replication)
      assert.deepEqual(imported.supervise, original.supervise)
      assert.deepEqual(imported.logs, original.logs)
      // an export of our own makes no mistake worth reporting, and loses nothing
      assert.deepEqual(result.notes.filter((n) => n.severity === 'mistake'), [])
      assert.deepEqual(result.notes.filter((n) => n.severity === 'dropped'), [])
      // The export's own identities file is seaweedctl's: nothing to import from it.
      assert.doesNotMatch(readFileSync(join(dir, 'seaweed.yaml'), 'utf8'), /^\s*config: ["']?\//m)
    })
  }
})

describe('import supervisor: what the local plan cannot hold as written', () => {
  const write = (name: string, text: string) => {
    const dir = join(work, name)
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'supervisord.conf'), text)
    return dir
  }
  const peers = '10.9.8.1:9333,10.9.8.2:9333,10.9.8.3:9333'

  it('one host of a 3-master cluster, one volume server, replication 001: the nearest local cluster, and why', () => {
    const dir = write('one-host', [
      '[program:master]',
      `command=/usr/local/bin/weed -logtostderr=true master -ip=10.9.8.1 -port=9333 -mdir=/srv/sw/master -peers=${peers} -defaultReplication=001 -volumeSizeLimitMB=1024`,
      'stopwaitsecs=30',
      '[program:volume]',
      `command=/usr/local/bin/weed -logtostderr=true volume -ip=10.9.8.1 -port=8080 -dir=/srv/sw/volume -max=10 -master=${peers} -dataCenter=dc1 -rack=rack1 -preStopSeconds=1`,
      'stopwaitsecs=60',
      '',
    ].join('\n'))
    const file = join(dir, 'seaweed.yaml')
    const result = importSupervisor({input: join(dir, 'supervisord.conf'), file, force: false})
    const plan = planFromFile(file)
    preflight(plan)
    const spec = loadSpecFile(file).spec
    assert.equal(spec.master.count, 3)
    assert.equal(spec.master.defaultReplication, '001')
    assert.equal(spec.volume.count, 2)
    assert.equal(spec.bind, '127.0.0.1')
    const changed = result.notes.filter((n) => n.severity === 'changed').map((n) => n.message).join('\n')
    assert.match(changed, /raft group of 3 masters .*runs all 3 on this machine/)
    assert.match(changed, /replication "001" .*needs at least 2 volume servers in one rack.*1 volume server in 1 rack.*runs 2 volume servers in 1 rack/)
    assert.match(changed, /-ip=10\.9\.8\.1 is no address of this machine.*binds 127\.0\.0\.1/)
  })

  it('-ip=localhost: bind 127.0.0.1, so each volume server gets its own loopback address as with up', () => {
    const dir = write('localhost', [
      '[program:master]',
      'command=weed -logtostderr=true master -ip=localhost -port=9333 -mdir=/srv/lh/master-1 -defaultReplication=001',
      '[program:volume]',
      'command=weed -logtostderr=true volume -ip=localhost -port=808%(process_num)d -dir=/srv/lh/volume-%(process_num)d -max=4 -master=localhost:9333',
      'process_name=volume-%(process_num)d',
      'numprocs=2',
      '',
    ].join('\n'))
    const file = join(dir, 'seaweed.yaml')
    const result = importSupervisor({input: join(dir, 'supervisord.conf'), file, force: false})
    assert.equal(loadSpecFile(file).spec.bind, '127.0.0.1')
    const hosts = planFromFile(file).processes.filter((p) => p.kind === 'volume').map((p) => p.host)
    assert.deepEqual(hosts, ['127.0.0.2', '127.0.0.3'])
    assert.match(result.notes.map((n) => n.message).join('\n'), /-ip=localhost becomes bind: 127\.0\.0\.1/)
  })

  it('replication needing racks the source lacks: racks and servers grow, replication stays', () => {
    const dir = write('racks', [
      '[program:master]',
      'command=weed -logtostderr=true master -ip=127.0.0.1 -port=9333 -mdir=/srv/rk/master-1 -defaultReplication=010 -volumeSizeLimitMB=100',
      '[program:volume]',
      'command=weed -logtostderr=true volume -ip=127.0.0.1 -port=8080 -dir=/srv/rk/volume-1 -max=4 -master=127.0.0.1:9333 -rack=r1',
      '',
    ].join('\n'))
    const file = join(dir, 'seaweed.yaml')
    const result = importSupervisor({input: join(dir, 'supervisord.conf'), file, force: false})
    planFromFile(file)
    const spec = loadSpecFile(file).spec
    assert.equal(spec.master.defaultReplication, '010')
    assert.equal(spec.volume.racks, 2)
    assert.ok(spec.volume.count >= 2)
    assert.ok(result.notes.some((n) => n.severity === 'changed' && /replication "010"/.test(n.message)))
  })

  it('resolves %(ENV_X)s from the importing environment, or stops naming the variable and writes nothing', () => {
    const dir = write('env', [
      '[program:master]',
      'command=weed -logtostderr=true master -ip=127.0.0.1 -port=9333 -mdir=%(ENV_SWCTL_TEST_BASE)s/master-1',
      '[program:volume]',
      'command=weed -logtostderr=true volume -ip=127.0.0.1 -port=8080 -dir=%(ENV_SWCTL_TEST_BASE)s/volume-1 -master=127.0.0.1:9333',
      '',
    ].join('\n'))
    const file = join(dir, 'seaweed.yaml')
    delete process.env.SWCTL_TEST_BASE
    assert.throws(() => importSupervisor({input: join(dir, 'supervisord.conf'), file, force: false}), (e) => isSeaweedctlError(e) && e.code === 'IMPORT_ENV_UNSET' && e.exitCode === 2 && /supervisord\.conf:2 \[program:master\] command uses %\(ENV_SWCTL_TEST_BASE\)s, but SWCTL_TEST_BASE is not set/.test(e.message))
    assert.throws(() => readFileSync(file))
    process.env.SWCTL_TEST_BASE = join(dir, 'data')
    try {
      importSupervisor({input: join(dir, 'supervisord.conf'), file, force: false})
    } finally {
      delete process.env.SWCTL_TEST_BASE
    }
    assert.equal(loadSpecFile(file).spec.dataDir, join(dir, 'data'))
    assert.doesNotMatch(readFileSync(file, 'utf8'), /ENV_/)
    // The same for [include] files.
    const main = join(write('env-include', '[include]\nfiles = %(ENV_SWCTL_TEST_CONF)s/*.conf\n'), 'supervisord.conf')
    assert.throws(() => importSupervisor({input: main, file: join(dir, 'other.yaml'), force: false}), (e) => isSeaweedctlError(e) && e.code === 'IMPORT_ENV_UNSET' && /supervisord\.conf:2 \[include\] files uses %\(ENV_SWCTL_TEST_CONF\)s, but SWCTL_TEST_CONF is not set/.test(e.message))
  })

  it('lists only settings that differ from supervisord\'s defaults and from what seaweedctl does', () => {
    const dir = write('defaults', [
      '[supervisord]',
      'logfile=/var/log/supervisord.log',
      'minfds=1024',
      'minprocs=4096',
      '[program:master]',
      'command=weed -logtostderr=true master -ip=127.0.0.1 -port=9333 -mdir=/srv/df/master-1',
      'autostart=true',
      'startsecs=1',
      'stopsignal=TERM',
      'user=weed',
      '[program:volume]',
      'command=weed -logtostderr=true volume -ip=127.0.0.1 -port=8080 -dir=/srv/df/volume-1 -master=127.0.0.1:9333 -preStopSeconds=1',
      'stopwaitsecs=20',
      'startretries=3',
      '',
    ].join('\n'))
    const result = importSupervisor({input: join(dir, 'supervisord.conf'), file: join(dir, 'seaweed.yaml'), force: false})
    const dropped = result.notes.filter((n) => n.severity === 'dropped').map((n) => `${n.where} ${n.message}`)
    assert.equal(dropped.length, 3, dropped.join('\n'))
    assert.match(dropped[0], /\[supervisord\].*minprocs=4096/)
    assert.doesNotMatch(dropped[0], /minfds|logfile/)
    assert.match(dropped[1], /\[program:master\] user=weed/)
    assert.match(dropped[2], /\[program:volume\] startretries=3/)
  })

  it('reports -volume.allowUntrustedRemoteEndpoints on a routable address, and keeps it out of the spec', () => {
    const dir = write('untrusted', [
      '[program:master]',
      'command=weed -logtostderr=true master -ip=10.9.8.1 -port=9333 -mdir=/srv/ut/master-1',
      '[program:volume]',
      'command=weed -logtostderr=true volume -ip=10.9.8.1 -port=8080 -dir=/srv/ut/volume-1 -master=10.9.8.1:9333 -volume.allowUntrustedRemoteEndpoints=true',
      '',
    ].join('\n'))
    const result = convertSupervisorConfig(readSupervisorConfig(join(dir, 'supervisord.conf')), {localAddresses: ['10.9.8.1']})
    assert.equal(result.raw.bind, '10.9.8.1')
    assert.ok(result.notes.some((n) => n.severity === 'mistake' && /allowUntrustedRemoteEndpoints=true on 10\.9\.8\.1.*169\.254\.169\.254/.test(n.message)))
    assert.ok(!result.notes.some((n) => n.severity === 'dropped' && /allowUntrusted/.test(n.message)))
  })

  it('carries weed flags it has no key for into args: shared ones per kind, the rest per process; unknown ones are reported', () => {
    const dir = write('args', [
      '[program:master]',
      'command=weed -logtostderr=true master -ip=127.0.0.1 -port=9333 -mdir=/srv/ar/master-1 -electionTimeout=2s',
      '[program:volume1]',
      'command=weed -logtostderr=true volume -ip=127.0.0.1 -port=8080 -dir=/srv/ar/volume-1 -master=127.0.0.1:9333 -index=leveldb -compactionMBps=40',
      '[program:volume2]',
      'command=weed -logtostderr=true volume -ip=127.0.0.1 -port=8081 -dir=/srv/ar/volume-2 -master=127.0.0.1:9333 -index=leveldb -noSuchFlag=1 -metricsPort=9100',
      '',
    ].join('\n'))
    const kinds = {master: {electionTimeout: 'duration'}, volume: {index: 'string', compactionMBps: 'int'}, filer: {}, s3: {}} as const
    const result = convertSupervisorConfig(readSupervisorConfig(join(dir, 'supervisord.conf')), {weedFlags: {table: {version: '4.48', kinds: kinds as any}, others: []}})
    assert.deepEqual(result.raw.master.args, ['-electionTimeout=2s'])
    assert.deepEqual(result.raw.volume.args, ['-index=leveldb'])
    assert.deepEqual(result.raw.processes, [{name: 'volume-1', args: ['-compactionMBps=40']}])
    const notes = result.notes.map((n) => `${n.severity}: ${n.where} ${n.message}`).join('\n')
    assert.match(notes, /dropped: .*\[program:volume2\].*-noSuchFlag=1 \(weed 4\.48 has no such volume flag\)/)
    assert.match(notes, /changed: .*\[program:volume2\].*-metricsPort=9100: seaweedctl plans each process's metrics port/)
    const plan = planCluster(specFromRaw({...result.raw, dataDir: '/srv/ar'}, dir))
    assert.ok(plan.processes.find((p) => p.name === 'volume-1')!.args.includes('-compactionMBps=40'))
    assert.ok(plan.processes.find((p) => p.name === 'volume-2')!.args.includes('-index=leveldb'))
  })
})
