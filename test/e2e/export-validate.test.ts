/**
 * The exports, checked by validators that carry their schemas with them (no network at test time):
 * kubernetes-validate (Kubernetes OpenAPI schemas), check-jsonschema's bundled compose specification,
 * and systemd-analyze verify. scripts/install-validators.sh installs them (idempotent).
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {cli, ensureBuilt, ROOT, WEED_VERSION_ARGS, weedForTests} from '../helpers/e2e.js'

const VENV = join(ROOT, '.cache', 'validators', 'bin')
const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-validate-'))
let weed = ''

function run(command: string, args: string[]) {
  return spawnSync(command, args, {encoding: 'utf8', timeout: 120_000})
}

before(() => {
  execFileSync('bash', [join(ROOT, 'scripts', 'install-validators.sh')], {stdio: 'inherit', timeout: 600_000})
  ensureBuilt()
  weed = weedForTests()
  const init = cli(['cluster', 'init', '--masters', '3', '--volumes', '4', '--racks', '2', '--replication', '010', '--filers', '2', '--s3', '--port-offset', '300', ...WEED_VERSION_ARGS], dir)
  assert.equal(init.status, 0, init.stderr)
})
after(() => rmSync(dir, {recursive: true, force: true}))

function exportTo(target: string, extra: string[] = []): Array<{path: string; kind: string}> {
  const weedArgs = target === 'supervisor' ? ['--weed', weed] : target === 'systemd' ? ['--weed-path', weed] : []
  const r = cli(['export', target, '-o', join(dir, target), '--json', ...weedArgs, ...extra], dir)
  assert.equal(r.status, 0, r.stderr + r.stdout)
  const result = JSON.parse(r.stdout)
  assert.equal(result.outDir, join(dir, target))
  return result.files
}

describe('export k8s', () => {
  it('passes kubernetes-validate --strict with zero errors, and the validator does reject a broken manifest', () => {
    const files = exportTo('k8s')
    assert.deepEqual(files.map((f) => f.kind), ['k8s-manifests', 'k8s-secret'])
    assert.equal(statSync(files[1].path).mode & 0o777, 0o600)
    const ok = run(join(VENV, 'kubernetes-validate'), ['--strict', files[0].path, files[1].path])
    assert.equal(ok.status, 0, ok.stdout + ok.stderr)
    assert.doesNotMatch(ok.stdout + ok.stderr, /ERROR|failed/i)
    assert.equal((ok.stdout.match(/passed for resource statefulset\//g) ?? []).length, 5, ok.stdout)
    assert.equal((ok.stdout.match(/passed for resource secret\//g) ?? []).length, 1, ok.stdout)
    const broken = join(dir, 'broken.k8s.yaml')
    writeFileSync(broken, readFileSync(files[0].path, 'utf8').replace('podManagementPolicy: Parallel', 'podManagementPolicy: Parallel\n  replicaz: 2'))
    assert.notEqual(run(join(VENV, 'kubernetes-validate'), ['--strict', broken]).status, 0)
  })
})

describe('export compose', () => {
  it('validates against the compose specification schema (gRPC published, restart unless-stopped)', () => {
    const files = exportTo('compose')
    // The S3 identities and the gateways' security.toml (SSE-S3 KEK), both 0600.
    assert.deepEqual(files.map((f) => f.kind), ['compose-file', 'process-file', 'process-file'])
    for (const f of files.slice(1)) assert.equal(statSync(f.path).mode & 0o777, 0o600, f.path)
    const ok = run(join(VENV, 'check-jsonschema'), ['--builtin-schema', 'vendor.compose-spec', files[0].path])
    assert.equal(ok.status, 0, ok.stdout + ok.stderr)
    const broken = join(dir, 'broken-compose.yaml')
    writeFileSync(broken, readFileSync(files[0].path, 'utf8').replace('condition: service_healthy', 'condition: service_happy'))
    assert.notEqual(run(join(VENV, 'check-jsonschema'), ['--builtin-schema', 'vendor.compose-spec', broken]).status, 0)
  })
})

describe('export systemd', () => {
  it('with --user seaweedfs --data-dir /srv/seaweedfs: passes systemd-analyze verify and names both', (t) => {
    const files = exportTo('systemd', ['--user', 'seaweedfs', '--data-dir', '/srv/seaweedfs'])
    assert.equal(files.filter((f) => f.kind === 'systemd-service').length, 3 + 4 + 2 + 1)
    assert.equal(files.filter((f) => f.kind === 'systemd-target').length, 1)
    const which = run('sh', ['-c', 'command -v systemd-analyze'])
    if (which.status !== 0) {
      t.diagnostic('systemd-analyze is not installed (Debian package systemd); the unit files were not verified')
      console.log('NOTE: systemd-analyze absent: skipped `systemd-analyze verify` of the exported units')
      return
    }
    // verify checks the syntax, the dependencies and that ExecStart's binary exists; it resolves no User=, so
    // the seaweedfs account need not exist on this machine (systemd itself refuses to start a unit without it).
    const units = files.filter((f) => f.kind === 'systemd-service' || f.kind === 'systemd-target')
    const r = run('systemd-analyze', ['verify', ...units.map((f) => f.path)])
    assert.equal(r.status, 0, r.stdout + r.stderr)
    const ours = (r.stdout + r.stderr).split('\n').filter((l) => /seaweed-[a-z0-9-]+\.(service|target)/.test(l))
    assert.deepEqual(ours, [], 'systemd-analyze complained about an exported unit')
    for (const f of files.filter((f) => f.kind === 'systemd-service')) {
      const unit = readFileSync(f.path, 'utf8')
      assert.doesNotMatch(unit, /secretKey|accessKey|SWCTL/, `${f.path} carries a key`)
      assert.match(unit, /^User=seaweedfs$/m, f.path)
      assert.match(unit, /^Group=seaweedfs$/m, f.path)
      assert.match(unit, /^ExecStartPre=\+\/usr\/bin\/install -d -o seaweedfs -g seaweedfs -m 0750 \/srv\/seaweedfs\//m, f.path)
      assert.match(unit, /^WorkingDirectory=-\/srv\/seaweedfs\//m, f.path)
      // No temp path of this machine in what the processes are given. The binary is this machine's weed (the
      // install step's --weed-path sets it), which sits under $HOME: a HOME in /tmp is not the export's doing.
      const given = unit.split('\n').filter((l) => l.startsWith('Exec')).map((l) => l.replace(/^ExecStart=\S+/, 'ExecStart=<weed>'))
      assert.doesNotMatch(given.join('\n'), /\/tmp\//, f.path)
    }
    // A broken unit is caught: the validator can fail.
    const broken = join(dir, 'seaweed-dev-broken.service')
    writeFileSync(broken, readFileSync(files[0].path, 'utf8').replace('Type=simple', 'Type=simplest'))
    const bad = run('systemd-analyze', ['verify', broken])
    assert.match(bad.stdout + bad.stderr, /simplest/)
  })
})

describe('export systemd: the install step', () => {
  it('installs the units and every file they read, and each path a process is given is usable by the account the units run as', () => {
    assert.equal(process.getuid?.(), 0, 'this check installs files owned by another account: run it as root (CI does)')
    const out = join(dir, 'systemd-install')
    const r = cli(['export', 'systemd', '-o', out, '--json', '--user', 'nobody', '--group', 'nogroup', '--data-dir', '/srv/seaweedfs', '--weed-path', weed], dir)
    assert.equal(r.status, 0, r.stderr + r.stdout)
    const files: Array<{path: string; kind: string}> = JSON.parse(r.stdout).files
    const script = files.find((f) => f.kind === 'install-script')!
    assert.equal(statSync(script.path).mode & 0o777, 0o755)
    const secrets = files.filter((f) => f.kind === 'process-file')
    assert.equal(secrets.length, 2, 'the S3 identities and security.toml')
    for (const secret of secrets) assert.equal(statSync(secret.path).mode & 0o777, 0o600, secret.path)

    // A root the account can walk into, as / is.
    const root = mkdtempSync(join(tmpdir(), 'seaweedctl-install-root-'))
    chmodSync(root, 0o755)
    try {
      const installed = spawnSync('sh', [script.path], {encoding: 'utf8', env: {...process.env, DESTDIR: root}, cwd: tmpdir()})
      assert.equal(installed.status, 0, installed.stdout + installed.stderr)
      for (const f of files.filter((g) => g.kind === 'systemd-service' || g.kind === 'systemd-target')) {
        assert.equal(readFileSync(join(root, 'etc', 'systemd', 'system', basename(f.path)), 'utf8'), readFileSync(f.path, 'utf8'))
      }
      const asAccount = (...test: string[]) => spawnSync('runuser', ['-u', 'nobody', '--', 'test', ...test], {encoding: 'utf8'}).status === 0
      let given = 0
      let keysFile = ''
      for (const f of files.filter((g) => g.kind === 'systemd-service')) {
        const unit = readFileSync(f.path, 'utf8')
        // What the unit does before weed starts (as root: "+"), here below the install root.
        const pre = /^ExecStartPre=\+(\/usr\/bin\/install -d .*)$/m.exec(unit)![1].split(' ')
        const made = spawnSync(pre[0], pre.slice(1).map((w) => (w.startsWith('/') ? join(root, w) : w)), {encoding: 'utf8'})
        assert.equal(made.status, 0, made.stderr)
        const start = /^ExecStart=(.*)$/m.exec(unit)![1].split(' ')
        assert.equal(start[0], weed)
        for (const arg of start.slice(1)) {
          const eq = arg.indexOf('=')
          const flag = arg.slice(0, eq)
          for (const value of arg.slice(eq + 1).split(',').filter((v) => v.startsWith('/'))) {
            const path = join(root, value)
            if (flag === '-config') {
              given++
              keysFile = path
              const st = statSync(path)
              assert.equal(st.mode & 0o777, 0o600, `${value} (${f.path})`)
              assert.equal(st.uid, 65_534, `${value} is not owned by nobody`)
              assert.equal(readFileSync(path, 'utf8'), readFileSync(secrets.find((g) => g.path.endsWith('s3-identities.json'))!.path, 'utf8'))
              assert.ok(asAccount('-r', path), `nobody cannot read ${value} (${f.path})`)
            } else if (flag === '-localSocket') {
              assert.ok(asAccount('-w', dirname(path)), `nobody cannot make ${value} (${f.path})`)
            } else {
              assert.ok(asAccount('-d', path) && asAccount('-r', path) && asAccount('-x', path), `nobody cannot use ${flag} ${value} (${f.path})`)
              if (flag !== '-config_dir') assert.ok(asAccount('-w', path), `nobody cannot write ${flag} ${value} (${f.path})`)
              // An S3 gateway's -config_dir holds the installed security.toml (its SSE-S3 KEK): 0600, nobody's.
              if (flag === '-config_dir' && /-s3-\d+\.service$/.test(f.path)) {
                given++
                const toml = join(path, 'security.toml')
                assert.equal(statSync(toml).mode & 0o777, 0o600, toml)
                assert.equal(statSync(toml).uid, 65_534, `${toml} is not owned by nobody`)
                assert.equal(readFileSync(toml, 'utf8'), readFileSync(secrets.find((g) => g.path.endsWith('security.toml'))!.path, 'utf8'))
                assert.ok(asAccount('-r', toml), `nobody cannot read ${toml}`)
              }
            }
          }
        }
        const cwd = /^WorkingDirectory=-(.*)$/m.exec(unit)![1]
        assert.ok(asAccount('-d', join(root, cwd)), `${cwd} (${f.path})`)
      }
      assert.equal(given, 2, 'the S3 gateway reads its identities file and its security.toml')
      // No other account reads the keys: the directory is root's and the group's, the file the account's alone.
      assert.ok(keysFile.startsWith(join(root, 'etc', 'seaweedfs') + '/'), keysFile)
      assert.equal(statSync(dirname(keysFile)).mode & 0o777, 0o750)
      assert.equal(spawnSync('runuser', ['-u', 'daemon', '--', 'cat', keysFile]).status, 1)
    } finally {
      rmSync(root, {recursive: true, force: true})
    }
  })
})
