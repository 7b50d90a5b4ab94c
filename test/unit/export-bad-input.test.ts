/**
 * Exports refuse what they cannot carry, and never leave half an export: a spec whose S3 key file is missing or
 * unreadable, an output directory that is not empty (without --force), a file in the way of one the export writes.
 */
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

import {exportCluster} from '../../src/export/service.js'
import {isSeaweedctlError} from '../../src/lib/errors.js'
import {rawFromSizing} from '../../src/services/spec.js'
import {renderSpecYaml} from '../../src/clusterfile/render.js'

const dir = mkdtempSync(join(tmpdir(), 'seaweedctl-export-bad-'))
after(() => rmSync(dir, {recursive: true, force: true}))

/** A spec in its own directory, with an S3 gateway and the given s3 keys. */
function specWith(name: string, s3: Record<string, unknown>): string {
  const base = join(dir, name)
  mkdirSync(base)
  const raw = rawFromSizing({volumes: 2, s3: true}) as Record<string, any>
  writeFileSync(join(base, 'seaweed.yaml'), renderSpecYaml({...raw, name: 'dev', s3: {...raw.s3, ...s3}}))
  return join(base, 'seaweed.yaml')
}

/** Nothing beside the output directory either: no staging directory left. */
function assertNothingWritten(out: string): void {
  assert.equal(existsSync(out), false, `${out} was created`)
  const parent = join(out, '..')
  assert.deepEqual(readdirSync(parent).filter((e) => e.includes('.export-')), [], 'a staging directory was left')
}

const refused = (code: string, ...patterns: RegExp[]) => (e: unknown) => {
  assert.ok(isSeaweedctlError(e), String(e))
  assert.equal(e.code, code, e.message)
  assert.equal(e.exitCode, 2)
  for (const p of patterns) assert.match(e.message, p)
  return true
}

describe('export: S3 keys the spec names in a file', () => {
  it('a missing s3.secretKeyFile is refused with its path and place in seaweed.yaml, for every target, nothing written', async () => {
    const spec = specWith('missing', {accessKey: 'AKIDEXPORTTEST', secretKeyFile: 'admin.secret'})
    const path = join(dir, 'missing', 'admin.secret')
    for (const target of ['supervisor', 'systemd', 'compose', 'k8s', 'helm', 'operator'] as const) {
      const out = join(dir, 'missing', `out-${target}`)
      await assert.rejects(exportCluster({target, file: spec, out, force: false, weed: '/opt/weed'}), refused('SPEC_RANGE', new RegExp(`seaweed\\.yaml:\\d+:\\d+ +s3\\.secretKeyFile: cannot read ${path} \\(no such file\\); nothing was written`)), target)
      assertNothingWritten(out)
      // Printing reads it too: an export that cannot be written is not shown as if it could.
      await assert.rejects(exportCluster({target, file: spec, force: false, weed: '/opt/weed'}), refused('SPEC_RANGE', /s3\.secretKeyFile/), `${target} printed`)
    }
  })

  it('an unreadable one (here a directory) is refused with the reason and what to do', async () => {
    const spec = specWith('unreadable', {accessKey: 'AKIDEXPORTTEST', secretKeyFile: 'keys'})
    mkdirSync(join(dir, 'unreadable', 'keys'))
    const out = join(dir, 'unreadable', 'out')
    await assert.rejects(exportCluster({target: 'compose', file: spec, out, force: false}), (e) => {
      refused('SPEC_RANGE', /cannot read .*unreadable\/keys \(EISDIR\)/)(e)
      assert.match((e as {hints: string[]}).hints.join('\n'), /Write the secret into that file/)
      return true
    })
    assertNothingWritten(out)
  })

  it('a missing s3.config to import is refused the same way', async () => {
    const spec = specWith('import', {config: 'other-s3.json'})
    const out = join(dir, 'import', 'out')
    await assert.rejects(exportCluster({target: 'k8s', file: spec, out, force: false}), refused('SPEC_RANGE', /s3\.config: cannot read .*other-s3\.json \(does not exist\); nothing was written/))
    assertNothingWritten(out)
  })

  it('a key the spec names is exported as given; every other key is new, never the local cluster\'s', async () => {
    const spec = specWith('given', {accessKey: 'AKIDEXPORTTEST', secretKeyFile: 'admin.secret', identities: [{name: 'reader', actions: ['Read']}]})
    writeFileSync(join(dir, 'given', 'admin.secret'), 'a-secret-of-the-spec\n', {mode: 0o600})
    // What a local `up` would have made: the export must not reuse it.
    const local = join(dir, 'given', '.seaweed', 'run', 's3')
    mkdirSync(local, {recursive: true})
    writeFileSync(join(local, 'credentials.json'), JSON.stringify({identities: [{name: 'reader', actions: ['Read'], accessKeyId: 'LOCALKEYID', secretAccessKey: 'LOCALSECRET'}], buckets: []}))
    const out = join(dir, 'given', 'out')
    await exportCluster({target: 'compose', file: spec, out, force: false})
    const identities = JSON.parse(readFileSync(join(out, 's3-identities.json'), 'utf8')).identities
    assert.deepEqual(identities.map((i: any) => i.name), ['admin', 'reader'])
    assert.deepEqual(identities[0].credentials, [{accessKey: 'AKIDEXPORTTEST', secretKey: 'a-secret-of-the-spec'}])
    assert.notEqual(identities[1].credentials[0].accessKey, 'LOCALKEYID')
    assert.match(identities[1].credentials[0].secretKey, /^\S{30,}$/)
    assert.doesNotMatch(readFileSync(join(out, 'compose.yaml'), 'utf8'), /a-secret-of-the-spec|AKIDEXPORTTEST/)
  })
})

describe('export: the output directory', () => {
  const spec = specWith('outdir', {})

  it('a directory that is not empty needs --force; then the export\'s files are replaced and others left alone', async () => {
    const out = join(dir, 'outdir', 'deploy')
    mkdirSync(out)
    writeFileSync(join(out, 'notes.txt'), 'mine\n')
    await assert.rejects(exportCluster({target: 'compose', file: spec, out, force: false}), refused('OUTPUT_EXISTS', /deploy exists and is not empty \(notes\.txt\); nothing was written/))
    assert.deepEqual(readdirSync(out), ['notes.txt'])
    const forced = await exportCluster({target: 'compose', file: spec, out, force: true})
    assert.deepEqual(readdirSync(out).sort(), ['compose.yaml', 'notes.txt', 's3-identities.json', 'security.toml'])
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine\n')
    assert.deepEqual(readdirSync(join(dir, 'outdir')).filter((e) => e.includes('.export-')), [])
    assert.match(forced.warnings.join('\n'), /also holds notes\.txt, which this export does not write: left as they were/)
  })

  it('an empty directory is written without --force', async () => {
    const out = join(dir, 'outdir', 'empty')
    mkdirSync(out)
    await exportCluster({target: 'k8s', file: spec, out, force: false})
    assert.deepEqual(readdirSync(out).sort(), ['s3-credentials.secret.yaml', 'seaweed-dev.k8s.yaml'])
  })

  it('with --force, a directory in the way of a file is refused before anything is replaced', async () => {
    const out = join(dir, 'outdir', 'blocked')
    await exportCluster({target: 'compose', file: spec, out, force: false})
    const before = readFileSync(join(out, 'compose.yaml'), 'utf8')
    rmSync(join(out, 's3-identities.json'))
    mkdirSync(join(out, 's3-identities.json'))
    await assert.rejects(exportCluster({target: 'compose', file: spec, out, force: true}), refused('OUTPUT_EXISTS', /s3-identities\.json is a directory; nothing was written/))
    assert.equal(readFileSync(join(out, 'compose.yaml'), 'utf8'), before)
    assert.deepEqual(readdirSync(out).sort(), ['compose.yaml', 's3-identities.json', 'security.toml'], 'a staging directory was left')
  })
})
