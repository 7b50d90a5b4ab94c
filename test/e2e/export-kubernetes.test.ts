/**
 * The Kubernetes exports, checked by the tools their users run: `helm template` with the pinned official chart
 * (4.44.0) and kubernetes-validate on what it renders; the operator's `Seaweed` resource against the
 * openAPIV3Schema of its CRD, with check-jsonschema. test/helpers/fixtures.ts finds the chart and the CRD.
 * No weed runs here: these are renderings for another machine.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {parse, parseAllDocuments, stringify} from 'yaml'

import {cli, ensureBuilt, ROOT, WEED_VERSION_ARGS} from '../helpers/e2e.js'
import {kubeFixtures, type KubeFixtures} from '../helpers/fixtures.js'

const VENV = join(ROOT, '.cache', 'validators', 'bin')
const HELM = join(process.env.SEAWEEDCTL_HELM_BIN ?? join(homedir(), 'go', 'bin'), 'helm')
let fixtures: KubeFixtures
const OFFSET = 300
const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-kube-'))

function run(command: string, args: string[]) {
  return spawnSync(command, args, {encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024})
}

before(async () => {
  execFileSync('bash', [join(ROOT, 'scripts', 'install-validators.sh')], {stdio: 'inherit', timeout: 1_200_000})
  fixtures = await kubeFixtures(HELM)
  ensureBuilt()
  const init = cli(['cluster', 'init', '--masters', '3', '--volumes', '4', '--racks', '2', '--replication', '010', '--filers', '1', '--s3', '--port-offset', String(OFFSET), ...WEED_VERSION_ARGS], dir)
  assert.equal(init.status, 0, init.stderr)
  // A new spec is named after its directory (random here); the expectations below name the cluster "dev".
  const spec = join(dir, 'seaweed.yaml')
  writeFileSync(spec, readFileSync(spec, 'utf8').replace(/^name: .*$/m, 'name: dev'))
})
after(() => rmSync(dir, {recursive: true, force: true}))

function exportTo(target: string, ...extra: string[]): Array<{path: string; kind: string}> {
  const r = cli(['export', target, '-o', join(dir, target), '--json', ...extra], dir)
  assert.equal(r.status, 0, r.stderr + r.stdout)
  return JSON.parse(r.stdout).files
}

/** Every key of the generated Secret: none may appear anywhere but in the Secret file itself. */
function secretValues(path: string): string[] {
  const secret = parse(readFileSync(path, 'utf8'))
  const values = Object.values(secret.stringData as Record<string, string>)
  assert.ok(values.length > 0)
  return values.flatMap((v) => (v.startsWith('{') ? JSON.parse(v).identities.flatMap((i: any) => i.credentials.flatMap((c: any) => [c.accessKey, c.secretKey])) : [v]))
}

function assertNothingLocalOrSecret(text: string, secrets: string[], what: string): void {
  assert.doesNotMatch(text, /allowUntrustedRemoteEndpoints/, what)
  assert.doesNotMatch(text, /127\.0\.0\.\d/, what)
  for (const s of secrets) assert.ok(!text.includes(s), `${what} contains a secret key in clear text`)
}

describe('export helm, rendered by the pinned official chart', () => {
  it('renders with helm template, passes kubernetes-validate --strict, and matches the plan', () => {
    const files = exportTo('helm', '--bucket', 'photos')
    assert.deepEqual(files.map((f) => f.kind), ['helm-values', 'k8s-secret'])
    const [values, secretFile] = files.map((f) => f.path)
    assert.equal(statSync(secretFile).mode & 0o777, 0o600)
    const secrets = secretValues(secretFile)
    assertNothingLocalOrSecret(readFileSync(values, 'utf8'), secrets, 'values.yaml')

    const rendered = run(HELM, ['template', 'dev', fixtures.chart, '-f', values])
    assert.equal(rendered.status, 0, rendered.stderr)
    assertNothingLocalOrSecret(rendered.stdout, secrets, 'the rendered chart')
    const manifests = join(dir, 'helm-rendered.yaml')
    writeFileSync(manifests, rendered.stdout)
    const check = run(join(VENV, 'kubernetes-validate'), ['--strict', manifests, secretFile])
    assert.equal(check.status, 0, check.stdout + check.stderr)
    assert.doesNotMatch(check.stdout + check.stderr, /ERROR|failed/i)

    const docs = parseAllDocuments(rendered.stdout).map((d) => d.toJS()).filter(Boolean)
    // Every path a weed process is given lies under what its pod mounts: claims, or a Secret the release has.
    const secretNames = new Set([...docs.filter((d) => d.kind === 'Secret').map((d) => d.metadata.name), parse(readFileSync(secretFile, 'utf8')).metadata.name])
    let configs = 0
    for (const d of docs.filter((x) => x.kind === 'StatefulSet' || x.kind === 'Deployment')) {
      const pod = d.spec.template.spec
      for (const v of pod.volumes ?? []) if (v.secret) assert.ok(secretNames.has(v.secret.secretName), `${d.metadata.name} mounts Secret ${v.secret.secretName}, which nothing creates`)
      for (const c of pod.containers) {
        const mounts = (c.volumeMounts ?? []).map((m: any) => String(m.mountPath).replace(/\/$/, ''))
        const words = [...(c.command ?? []), ...(c.args ?? [])].join(' ').split(/\s+/)
        const paths = words.flatMap((w, i) => {
          const flagged = /^(-[\w.]+)=(\/\S*)$/.exec(w)
          if (flagged) return [{flag: flagged[1], path: flagged[2]}]
          return w.startsWith('/') && /^-[\w.]+$/.test(words[i - 1] ?? '') ? [{flag: words[i - 1], path: w}] : []
        })
        for (const {flag, path} of paths) {
          if (flag === '-config') configs++
          assert.ok(mounts.some((m: string) => path === m || path.startsWith(`${m}/`)), `${d.metadata.name}: ${flag} ${path} lies under no volumeMount (${mounts.join(', ')})`)
        }
      }
    }
    assert.equal(configs, 1, 'the S3 gateway is given its identities file')

    const byName = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name)
    const script = (d: any) => d.spec.template.spec.containers[0].command.join(' ') as string
    const ports = (d: any) => d.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort).sort()

    const master = byName('StatefulSet', 'dev-seaweedfs-master')
    assert.equal(master.spec.replicas, 3)
    assert.match(script(master), new RegExp(`-port=${9333 + OFFSET} `))
    assert.match(script(master), /-defaultReplication=010 /)
    assert.match(script(master), /-volumeSizeLimitMB=1024 /)
    assert.match(script(master), new RegExp(`-peers=(dev-seaweedfs-master-\\d\\.dev-seaweedfs-master\\.default:${9333 + OFFSET},?){3}`))
    assert.ok(ports(master).includes(19333 + OFFSET))

    for (const rack of ['rack1', 'rack2']) {
      const volume = byName('StatefulSet', `dev-seaweedfs-volume-${rack}`)
      assert.ok(volume, `no volume group for ${rack}`)
      assert.equal(volume.spec.replicas, 2)
      assert.match(script(volume), new RegExp(`-rack=${rack} `))
      assert.match(script(volume), /-dataCenter=dc1 /)
      assert.match(script(volume), new RegExp(`-port=${8080 + OFFSET} `))
      assert.ok(ports(volume).includes(18080 + OFFSET))
      assert.equal(volume.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '8Gi')
    }
    assert.equal(byName('StatefulSet', 'dev-seaweedfs-volume'), undefined, 'the default volume group should be off')

    const filer = byName('StatefulSet', 'dev-seaweedfs-filer')
    assert.equal(filer.spec.replicas, 1)
    assert.match(script(filer), /-defaultReplicaPlacement=010 /)
    assert.match(script(filer), new RegExp(`-port=${8888 + OFFSET} `))
    assert.doesNotMatch(script(filer), /-s3 /)

    const s3 = byName('Deployment', 'dev-seaweedfs-s3')
    assert.equal(s3.spec.replicas, 1)
    assert.match(script(s3), new RegExp(`-port=${8333 + OFFSET} `))
    assert.match(script(s3), /-config=/)
    const refs = s3.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name)
    assert.deepEqual([...new Set(refs)], ['seaweed-dev-s3'])
    assert.match(rendered.stdout, /photos/)
  })

  it('prints values.yaml without keys to stdout, and says where the Secret comes from', () => {
    const r = cli(['export', 'helm'], dir)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /existingSecret: seaweed-dev-s3/)
    assert.doesNotMatch(r.stdout, /stringData|secret_access_key:\s*\S{20,}/)
    assert.match(r.stdout + r.stderr, /export with -o DIR to get it as s3-credentials\.secret\.yaml/)
  })
})

/** The CRD's schema as JSON Schema, strict as the API server's field validation: no unknown fields. */
function strictCrdSchema(): string {
  const crd = parse(readFileSync(fixtures.crd, 'utf8'))
  const schema = crd.spec.versions.find((v: any) => v.name === 'v1').schema.openAPIV3Schema
  const tighten = (node: any): void => {
    if (!node || typeof node !== 'object') return
    if (node.properties && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) node.additionalProperties = false
    for (const value of Object.values(node)) tighten(value)
  }
  tighten(schema.properties.spec)
  const file = join(dir, 'seaweed-crd.schema.json')
  writeFileSync(file, JSON.stringify(schema))
  return file
}

describe('export operator, against the operator\'s CRD schema', () => {
  it('validates with check-jsonschema, matches the plan, and the validator rejects a broken resource', () => {
    const files = exportTo('operator')
    assert.deepEqual(files.map((f) => f.kind), ['seaweed-resource', 'k8s-secret'])
    const [resource, secretFile] = files.map((f) => f.path)
    assert.equal(statSync(secretFile).mode & 0o777, 0o600)
    const text = readFileSync(resource, 'utf8')
    assertNothingLocalOrSecret(text, secretValues(secretFile), 'the Seaweed resource')

    // One validator run for the resource and two broken copies (the schema is large: loading it is the cost).
    const broken = [
      ['unknown-field', text.replace('volumeServerDiskCount: 1', 'volumeServerDiskCount: 1\n  replicaz: 2'), /Additional properties are not allowed \('replicaz' was unexpected\)/],
      ['wrong-type', text.replace(/replicas: 3/, 'replicas: three'), /'three' is not of type 'integer'/],
    ] as const
    const brokenFiles = broken.map(([label, content]) => {
      const file = join(dir, `broken-${label}.seaweed.yaml`)
      writeFileSync(file, content)
      return file
    })
    const checked = run(join(VENV, 'check-jsonschema'), ['--schemafile', strictCrdSchema(), resource, ...brokenFiles])
    const output = checked.stdout + checked.stderr
    assert.ok(!output.includes(`${resource}::`), `the exported resource fails the CRD schema:\n${output}`)
    broken.forEach(([label, , error], i) => assert.match(output.split('\n').filter((l) => l.includes(`${brokenFiles[i]}::`)).join('\n'), error, `${label} passed the schema:\n${output}`))
    assert.match(output, /Schema validation errors were encountered/)
    const secretOk = run(join(VENV, 'kubernetes-validate'), ['--strict', secretFile])
    assert.equal(secretOk.status, 0, secretOk.stdout + secretOk.stderr)

    const seaweed = parse(text)
    assert.equal(seaweed.apiVersion, 'seaweed.seaweedfs.com/v1')
    assert.equal(seaweed.kind, 'Seaweed')
    assert.equal(seaweed.spec.master.replicas, 3)
    assert.equal(seaweed.spec.master.defaultReplication, '010')
    assert.deepEqual(Object.entries(seaweed.spec.volumeTopology).map(([k, v]: [string, any]) => [k, v.replicas, v.rack, v.dataCenter]), [['rack1', 2, 'rack1', 'dc1'], ['rack2', 2, 'rack2', 'dc1']])
    assert.equal(seaweed.spec.filer.replicas, 1)
    assert.equal(seaweed.spec.filer.s3.enabled, false)
    assert.deepEqual(seaweed.spec.s3, {replicas: 1, port: 8333 + OFFSET, configSecret: {name: 'seaweed-dev-s3', key: 'seaweedfs_s3_config'}, metricsPort: 13333 + OFFSET})
  })
})

describe('export helm and operator with extra weed flags (args)', () => {
  it('the chart\'s own values where it has them, extraArgs otherwise; helm template renders them; the resource fits the CRD', () => {
    const spec = join(dir, 'seaweed.yaml')
    const text = readFileSync(spec, 'utf8')
    const withArgs = parse(text)
    withArgs.master.args = ['-electionTimeout=2s', '-maxParallelVacuumPerServer=2']
    withArgs.volume.args = ['-index=leveldb', '-concurrentUploadLimitMB=64']
    withArgs.processes = [{name: 'volume-2', args: ['-fileSizeLimitMB=64']}]
    writeFileSync(spec, stringify(withArgs))
    try {
      const helm = cli(['export', 'helm', '-o', join(dir, 'helm-args'), '--json'], dir)
      assert.equal(helm.status, 0, helm.stderr + helm.stdout)
      assert.match(JSON.parse(helm.stdout).notes.join('\n'), /not carried over.*volume-2: -fileSizeLimitMB=64/)
      const values = parse(readFileSync(join(dir, 'helm-args', 'values.yaml'), 'utf8'))
      assert.equal(values.master.electionTimeout, '2s')
      assert.deepEqual(values.master.extraArgs, ['-maxParallelVacuumPerServer=2'])
      assert.equal(values.volume.index, 'leveldb')
      assert.deepEqual(values.volume.extraArgs, ['-concurrentUploadLimitMB=64'])
      assert.equal(values.master.metricsPort, 14333 + OFFSET)
      const rendered = run(HELM, ['template', 'dev', fixtures.chart, '-f', join(dir, 'helm-args', 'values.yaml')])
      assert.equal(rendered.status, 0, rendered.stderr)
      for (const flag of ['-electionTimeout=2s', '-maxParallelVacuumPerServer=2', '-index=leveldb', '-concurrentUploadLimitMB=64', `-metricsPort=${14333 + OFFSET}`]) assert.ok(rendered.stdout.includes(flag), `helm template lacks ${flag}`)
      const manifests = join(dir, 'helm-args-rendered.yaml')
      writeFileSync(manifests, rendered.stdout)
      const check = run(join(VENV, 'kubernetes-validate'), ['--strict', manifests])
      assert.equal(check.status, 0, check.stdout + check.stderr)

      const operator = cli(['export', 'operator', '-o', join(dir, 'operator-args'), '--json'], dir)
      assert.equal(operator.status, 0, operator.stderr + operator.stdout)
      const resource = join(dir, 'operator-args', 'seaweed-dev.seaweed.yaml')
      const seaweed = parse(readFileSync(resource, 'utf8'))
      assert.deepEqual(seaweed.spec.master.extraArgs, ['-electionTimeout=2s', '-maxParallelVacuumPerServer=2'])
      for (const group of Object.values(seaweed.spec.volumeTopology) as any[]) assert.deepEqual(group.extraArgs, ['-index=leveldb', '-concurrentUploadLimitMB=64'])
      const checked = run(join(VENV, 'check-jsonschema'), ['--schemafile', strictCrdSchema(), resource])
      assert.equal(checked.status, 0, checked.stdout + checked.stderr)
    } finally {
      writeFileSync(spec, text)
    }
  })
})
