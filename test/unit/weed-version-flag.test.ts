/**
 * --weed-version (a sizing flag: shapes a new spec, must agree with an existing one) and the pinning of a new
 * spec to the version of a binary chosen with --weed or $SEAWEEDCTL_WEED.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {sizingFromFlags, weedVersionFlag} from '../../src/lib/sizing.js'
import {planCluster} from '../../src/plan/planner.js'
import {initSpec} from '../../src/services/init.js'
import {checkSizingAgrees, newSpec} from '../../src/services/spec.js'
import {prepareSpec, type UpEvent} from '../../src/services/up.js'
import {loadSpecFile, parseSpecText} from '../../src/clusterfile/load.js'
import {upReporter} from '../../src/ui/up-reporter.js'
import {cacheRoot} from '../../src/weed/binary.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'seaweedctl-weed-version-test-'))
})
after(() => rmSync(dir, {recursive: true, force: true}))

/**
 * An executable standing in for a weed of `version`: seaweedctl reads a binary's version once and keeps the
 * answer in <cache>/versions.json per path, size and mtime, so the entry written here is what it reads.
 */
function fakeWeed(name: string, version: string, env: NodeJS.ProcessEnv): string {
  const path = join(dir, name, 'weed')
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, `#!/bin/sh\necho "version 8000GB ${version} pypi linux amd64"\n`, {mode: 0o755})
  const stat = statSync(path)
  const cache = cacheRoot(env)
  mkdirSync(cache, {recursive: true})
  const [major, minor] = version.split('.').map(Number)
  writeFileSync(join(cache, 'versions.json'), JSON.stringify({[`${path}\0${stat.size}\0${stat.mtimeMs}`]: {major, minor, text: version, sizeLimit: '8000GB'}}))
  return path
}

describe('--weed-version', () => {
  test('is normalised to MAJOR.MINOR', () => {
    assert.equal(weedVersionFlag('4.30'), '4.30')
    assert.equal(weedVersionFlag('4.3'), '4.03')
    assert.equal(weedVersionFlag(' 4.48 '), '4.48')
    assert.equal(sizingFromFlags({'weed-version': '4.30'}).weedVersion, '4.30')
    assert.equal(sizingFromFlags({}).weedVersion, undefined)
  })

  test('rejects what is not a version, or one older than seaweedctl supports, as bad input', () => {
    for (const [given, message] of [['latest', /not a weed version; expected MAJOR\.MINOR/], ['4', /not a weed version/], ['3.70', /3\.70 is older than 3\.80/]] as const) {
      assert.throws(() => weedVersionFlag(given), (error: SeaweedctlError) => {
        assert.equal(error.code, 'BAD_ARGUMENT')
        assert.equal(error.exitCode, 2)
        assert.match(error.message, message)
        assert.match(error.message, /^--weed-version /)
        return true
      })
    }
  })

  test('sets weed.version of a new spec, quoted in the file, and the plan follows it', () => {
    const made = newSpec(join(dir, 'new.yaml'), {volumes: 2, s3: true, weedVersion: '4.30'})
    assert.equal(made.spec.weed.version, '4.30')
    assert.match(made.text, /^ {2}version: "4\.30"/m)
    assert.deepEqual(parseSpecText(made.text, made.file).spec, made.spec)
    const plan = planCluster(made.spec)
    assert.equal(plan.weedVersion, '4.30')
    const s3 = plan.processes.find((p) => p.kind === 's3')!.args
    assert.ok(s3.includes('-port.iceberg=0') && !s3.some((a) => a.startsWith('-port.lance')), s3.join(' '))
  })

  test('cluster init --weed-version writes it', () => {
    const file = join(dir, 'init.yaml')
    initSpec({file, force: false, weedVersion: '4.30'})
    assert.equal(loadSpecFile(file).spec.weed.version, '4.30')
  })

  test('on an existing spec it must agree with weed.version, like the other sizing flags', () => {
    const pinned = parseSpecText('weed:\n  version: "4.30"\nvolume:\n  count: 2\n', join(dir, 'seaweed.yaml'))
    checkSizingAgrees(pinned, {weedVersion: '4.30'})
    assert.throws(() => checkSizingAgrees(pinned, {weedVersion: '4.48'}), (error: SeaweedctlError) => {
      assert.equal(error.code, 'SPEC_FLAG_CONFLICT')
      assert.match(error.message, /--weed-version 4\.48 disagrees with weed\.version: 4\.30 in .*seaweed\.yaml:2:12/)
      assert.deepEqual(error.hints, ['Edit weed.version in the spec, or drop --weed-version'])
      assert.deepEqual(error.data, {flag: '--weed-version', given: '4.48', actual: '4.30', key: 'weed.version'})
      return true
    })
    // A spec without weed.version means the default, 4.48.
    const plain = parseSpecText('volume:\n  count: 2\n', join(dir, 'seaweed.yaml'))
    checkSizingAgrees(plain, {weedVersion: '4.48'})
    assert.throws(() => checkSizingAgrees(plain, {weedVersion: '4.30'}), {code: 'SPEC_FLAG_CONFLICT'})
    // "4.3" written by hand is the version --weed-version 4.3 (normalised to 4.03) names.
    checkSizingAgrees(parseSpecText('weed:\n  version: "4.3"\n', join(dir, 'seaweed.yaml')), {weedVersion: '4.03'})
  })
})

describe('a new spec is pinned to the version of an explicitly chosen weed', () => {
  test('--weed without --weed-version: weed.version is the binary\'s, and nothing is written yet', async () => {
    const env = {PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(dir, 'cache-flag')}
    const weed = fakeWeed('flag', '4.30', env)
    const file = join(dir, 'flag', 'seaweed.yaml')
    const prepared = await prepareSpec({file, weed, volumes: 2}, env)
    assert.deepEqual(prepared.pinned, {version: '4.30', path: weed, source: 'flag'})
    assert.equal(prepared.loaded.spec.weed.version, '4.30')
    assert.equal(prepared.loaded.spec.volume.count, 2)
    assert.match(prepared.specText!, /^ {2}version: "4\.30"/m)
    assert.equal(existsSync(file), false, 'up writes the spec only after preflight')
  })

  test('$SEAWEEDCTL_WEED without --weed-version: the same, naming the variable', async () => {
    const env = {PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(dir, 'cache-env')}
    const weed = fakeWeed('env', '4.41', env)
    const prepared = await prepareSpec({file: join(dir, 'env', 'seaweed.yaml')}, {...env, SEAWEEDCTL_WEED: weed})
    assert.deepEqual(prepared.pinned, {version: '4.41', path: weed, source: 'env'})
    assert.equal(prepared.loaded.spec.weed.version, '4.41')
  })

  test('the real weed 4.48 binary given with --weed pins to 4.48', async () => {
    const out = execFileSync('bash', [join(repo, 'scripts/install-weed.sh'), '4.48'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
    const weed = out.trim().split('\n').at(-1)!
    const prepared = await prepareSpec({file: join(dir, 'real', 'seaweed.yaml'), weed}, {PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(dir, 'cache-real')})
    assert.deepEqual(prepared.pinned, {version: '4.48', path: weed, source: 'flag'})
  })

  test('--weed-version wins over the binary (a mismatch is then reported when weed is checked)', async () => {
    const env = {PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(dir, 'cache-both')}
    const weed = fakeWeed('both', '4.30', env)
    const prepared = await prepareSpec({file: join(dir, 'both', 'seaweed.yaml'), weed, weedVersion: '4.48'}, env)
    assert.equal(prepared.pinned, undefined)
    assert.equal(prepared.loaded.spec.weed.version, '4.48')
  })

  test('no explicit binary: the default version, not pinned', async () => {
    const prepared = await prepareSpec({file: join(dir, 'none', 'seaweed.yaml')}, {PATH: '/nonexistent', XDG_CACHE_HOME: join(dir, 'cache-none')})
    assert.equal(prepared.pinned, undefined)
    assert.equal(prepared.loaded.spec.weed.version, '4.48')
  })

  test('an existing spec keeps its version: --weed of another version is not pinned over it', async () => {
    const env = {PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(dir, 'cache-existing')}
    const weed = fakeWeed('existing', '4.30', env)
    const file = join(dir, 'existing', 'seaweed.yaml')
    writeFileSync(file, 'weed:\n  version: "4.48"\n')
    const prepared = await prepareSpec({file, weed}, env)
    assert.equal(prepared.pinned, undefined)
    assert.equal(prepared.specText, undefined)
    assert.equal(prepared.loaded.spec.weed.version, '4.48')
  })

  test('a --weed that does not exist is WEED_NOT_FOUND, before any spec is made', async () => {
    const env = {PATH: '/usr/bin:/bin', XDG_CACHE_HOME: join(dir, 'cache-missing')}
    await assert.rejects(prepareSpec({file: join(dir, 'missing.yaml'), weed: join(dir, 'no', 'weed')}, env), (error: SeaweedctlError) => {
      assert.equal(error.code, 'WEED_NOT_FOUND')
      assert.match(error.message, /from --weed\) does not exist/)
      return true
    })
  })

  test('up says so', async () => {
    const lines: string[] = []
    const reporter = await upReporter({json: false, tty: false, log: (l) => lines.push(l)})
    const event: UpEvent = {type: 'pinned', version: '4.30', path: '/opt/weed-4.30/weed', source: 'flag'}
    reporter.event(event)
    assert.deepEqual(lines, ['spec: weed.version "4.30" for the new spec: the version of --weed /opt/weed-4.30/weed (--weed-version chooses another)'])
    ;(await upReporter({json: true, tty: false, log: (l) => lines.push(l)})).event(event)
    assert.equal(lines.length, 1, 'silent under --json')
  })
})
