/**
 * The exports, checked by validators that carry their schemas with them (no network at test time):
 * kubernetes-validate (Kubernetes OpenAPI schemas), check-jsonschema's bundled compose specification,
 * and systemd-analyze verify. scripts/install-validators.sh installs them (idempotent).
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
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
    assert.deepEqual(files.map((f) => f.kind), ['k8s-manifests'])
    const ok = run(join(VENV, 'kubernetes-validate'), ['--strict', files[0].path])
    assert.equal(ok.status, 0, ok.stdout + ok.stderr)
    assert.doesNotMatch(ok.stdout + ok.stderr, /ERROR|failed/i)
    assert.equal((ok.stdout.match(/passed for resource statefulset\//g) ?? []).length, 5, ok.stdout)
    const broken = join(dir, 'broken.k8s.yaml')
    writeFileSync(broken, readFileSync(files[0].path, 'utf8').replace('podManagementPolicy: Parallel', 'podManagementPolicy: Parallel\n  replicaz: 2'))
    assert.notEqual(run(join(VENV, 'kubernetes-validate'), ['--strict', broken]).status, 0)
  })
})

describe('export compose', () => {
  it('validates against the compose specification schema (gRPC published, restart unless-stopped)', () => {
    const files = exportTo('compose')
    assert.deepEqual(files.map((f) => f.kind), ['compose-file'])
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
    const r = run('systemd-analyze', ['verify', ...files.map((f) => f.path)])
    assert.equal(r.status, 0, r.stdout + r.stderr)
    const ours = (r.stdout + r.stderr).split('\n').filter((l) => /seaweed-[a-z0-9-]+\.(service|target)/.test(l))
    assert.deepEqual(ours, [], 'systemd-analyze complained about an exported unit')
    for (const f of files.filter((f) => f.kind === 'systemd-service')) {
      const unit = readFileSync(f.path, 'utf8')
      assert.match(unit, /^User=seaweedfs$/m, f.path)
      assert.match(unit, /^Group=seaweedfs$/m, f.path)
      assert.match(unit, /^ExecStartPre=\+\/usr\/bin\/install -d -o seaweedfs -g seaweedfs -m 0750 \/srv\/seaweedfs\//m, f.path)
      assert.match(unit, /^WorkingDirectory=-\/srv\/seaweedfs\//m, f.path)
      assert.doesNotMatch(unit.split('\n').filter((l) => l.startsWith('Exec')).join('\n'), /\/tmp\//, f.path)
    }
    // A broken unit is caught: the validator can fail.
    const broken = join(dir, 'seaweed-dev-broken.service')
    writeFileSync(broken, readFileSync(files[0].path, 'utf8').replace('Type=simple', 'Type=simplest'))
    const bad = run('systemd-analyze', ['verify', broken])
    assert.match(bad.stdout + bad.stderr, /simplest/)
  })
})
