#!/usr/bin/env node
// S3 conformance: ceph's s3-tests (pinned in ../shared/fixtures/s3-tests) against a seaweedctl cluster and `weed mini`
// side by side, each in its own directory and port range, then a markdown report: counts per target and every test
// that passes on one and fails on the other, with its first error line.
//
//   npm run conformance -- [--replication 000] [--weed-version 4.48] [--subset FILE] [--out docs/conformance.md]
//                          [--workers 2] [--timeout 120] [--keep] [--check]
//
// --subset FILE runs only the test ids listed in FILE (one a line, # comments); --check exits 1 when a test passes
// on weed mini and fails on seaweedctl (CI). Run it in a network namespace of its own on a shared machine:
//   sudo unshare -n sh -c 'ip link set lo up && npm run conformance'
// weed mini registers unix sockets in /tmp named by its ports, so its ports are chosen far from every other test's:
// --port-base B (default 12500) is the seaweedctl cluster's portOffset, and weed mini takes B + 1000 onwards. Every
// port of both stays below 32768, where Linux's ephemeral range starts (seaweedctl refuses a port inside it).
import {execFileSync, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {identitiesForSuite, miniArgs, renderReport, suiteIni, compareResults, parseJunit, SUITE_IDENTITIES} from './conformance-lib.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const {values: opts} = parseArgs({
  options: {
    replication: {type: 'string', default: '000'},
    'weed-version': {type: 'string', default: process.env.SEAWEEDCTL_TEST_WEED_VERSION ?? '4.48'},
    subset: {type: 'string'},
    out: {type: 'string'},
    workers: {type: 'string', default: '2'},
    timeout: {type: 'string', default: '120'},
    'port-base': {type: 'string', default: '12500'},
    targets: {type: 'string', default: 'seaweedctl,mini'},
    'report-from': {type: 'string'},
    suite: {type: 'string'},
    keep: {type: 'boolean', default: false},
    check: {type: 'boolean', default: false},
  },
})

const version = opts['weed-version']
const suite = resolve(opts.suite ?? process.env.S3TESTS_DIR ?? [join(root, '..', 'shared', 'fixtures', 's3-tests'), join(root, '..', '..', 'shared', 'fixtures', 's3-tests')].find((d) => existsSync(d)) ?? 's3-tests')
if (!existsSync(join(suite, 's3tests', 'functional', 'test_s3.py'))) stop(`s3-tests not found at ${suite} (set --suite or S3TESTS_DIR)`)
const weed = process.env.SEAWEEDCTL_WEED ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'seaweedctl', 'weed', version, 'weed')
if (!existsSync(weed)) stop(`weed ${version} not found at ${weed}: bash scripts/install-weed.sh ${version}`)
if (!existsSync(join(root, 'dist', 'index.js'))) execFileSync('npm', ['run', 'build'], {cwd: root, stdio: 'inherit'})

const say = (line) => process.stderr.write(`conformance: ${line}\n`)
if (opts['report-from']) {
  // Two results files of earlier runs (seaweedctl's, then weed mini's), e.g. when one target had to run again.
  const [a, b] = opts['report-from'].split(',').map((f) => JSON.parse(readFileSync(f, 'utf8')))
  report({seaweedctl: a, 'weed mini': b}, Math.round((a.seconds + b.seconds) / 60))
  process.exit()
}

function report(results, minutes) {
  const comparison = compareResults(results.seaweedctl, results['weed mini'])
  const text = renderReport({
    version, replication: opts.replication, suite, subset: opts.subset, suiteCommit: suiteCommit(suite),
    commit: gitCommit(), date: new Date().toISOString(), minutes, results, comparison,
  })
  if (opts.out) writeFileSync(opts.out, text)
  process.stdout.write(text)
  if (opts.check && comparison.onlyMini.length > 0) {
    say(`${comparison.onlyMini.length} test(s) pass on weed mini and fail on seaweedctl`)
    process.exitCode = 1
  }
}

const base = Number(opts['port-base'])
const work = mkdtempSync(join(tmpdir(), 'seaweedctl-conformance-'))
const cli = (args, cwd, extra = {}) => execFileSync(process.execPath, [join(root, 'bin', 'run.js'), ...args], {cwd, encoding: 'utf8', env: {...process.env, SEAWEEDCTL_WEED: weed, ...extra}})

class Failure extends Error {}
let mini
const started = Date.now()
try {
  const venv = execFileSync('bash', [join(root, 'scripts', 's3tests-venv.sh'), suite], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}).trim()
  const tests = opts.subset ? readFileSync(opts.subset, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean) : []

  // seaweedctl: the suite's identities in seaweed.yaml; their keys, as the suite's INI, from `env --format json`.
  const clusterDir = join(work, 'seaweedctl')
  mkdirSync(clusterDir)
  writeFileSync(join(clusterDir, 'seaweed.yaml'), [
    `weed: {version: "${version}"}`,
    `portOffset: ${base}`,
    `master: {defaultReplication: "${opts.replication}"}`,
    'volume: {count: 4}',
    's3:',
    '  count: 1',
    '  identities:',
    ...SUITE_IDENTITIES.filter((i) => i !== 'admin').map((name) => `    - {name: ${name}, actions: [Admin]}`),
    '',
  ].join('\n'))
  say(`seaweedctl up in ${clusterDir} (weed ${version}, replication ${opts.replication})`)
  cli(['up', '--timeout', '180s'], clusterDir)
  const env = JSON.parse(cli(['env', '--format', 'json'], clusterDir))
  const identities = identitiesForSuite(env)

  // weed mini: the same identities (weed's own s3.json), its own directory and ports.
  const miniDir = join(work, 'mini')
  mkdirSync(miniDir)
  const miniConfig = join(miniDir, 's3.json')
  writeFileSync(miniConfig, JSON.stringify({identities: identities.map((i) => ({name: i.name, credentials: [{accessKey: i.accessKeyId, secretKey: i.secretAccessKey}], actions: ['Admin']}))}), {mode: 0o600})
  const miniPort = base + 1833
  mini = spawn(weed, miniArgs(version, miniDir, base + 1000, miniConfig), {cwd: miniDir, stdio: ['ignore', 'ignore', 'ignore'], detached: true, env: {PATH: process.env.PATH, HOME: miniDir}})
  say(`weed mini pid ${mini.pid} in ${miniDir}, S3 on 127.0.0.1:${miniPort}`)
  await waitForS3(`http://127.0.0.1:${miniPort}`, identities[0], 180_000)

  const targets = [
    {name: 'seaweedctl', endpoint: env.AWS_ENDPOINT_URL},
    {name: 'weed mini', endpoint: `http://127.0.0.1:${miniPort}`},
  ].filter((t) => opts.targets.split(',').includes(t.name.replace('weed ', '')))
  const results = {}
  for (const target of targets) {
    const owners = await ownerIds(target.endpoint, identities)
    const ini = join(work, `${target.name.replace(/\W/g, '-')}.conf`)
    writeFileSync(ini, suiteIni(new URL(target.endpoint), identities, owners), {mode: 0o600})
    const junit = join(work, `${target.name.replace(/\W/g, '-')}.xml`)
    const t0 = Date.now()
    say(`running the suite against ${target.name} (${tests.length || 'all'} tests)`)
    await runPytest(venv, ini, junit, tests)
    results[target.name] = {...parseJunit(readFileSync(junit, 'utf8')), seconds: Math.round((Date.now() - t0) / 1000)}
    // Kept with --keep: a run of one target can be reported with another's (--report-from).
    writeFileSync(join(work, `${target.name.replace(/\W/g, '-')}.json`), JSON.stringify(results[target.name]))
    say(`${target.name}: ${JSON.stringify(results[target.name].counts)} in ${results[target.name].seconds} s`)
  }
  if (results.seaweedctl && results['weed mini']) report(results, Math.round((Date.now() - started) / 60_000))
  else say(`one target only: its results are in ${work} (--keep), for --report-from`)
} catch (error) {
  if (!(error instanceof Failure)) throw error
  say(error.message)
  process.exitCode = 2
} finally {
  if (mini?.pid) {
    try {
      process.kill(-mini.pid, 'SIGTERM')
    } catch {}
    await waitForExit(mini, 20_000)
  }
  try {
    cli(['down'], join(work, 'seaweedctl'))
  } catch (error) {
    say(`seaweedctl down failed: ${error.message}`)
  }
  if (!opts.keep) rmSync(work, {recursive: true, force: true})
  else say(`kept ${work}`)
}

async function runPytest(venv, ini, junit, tests) {
  const args = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-n', opts.workers, `--timeout=${opts.timeout}`, `--junitxml=${junit}`, '-o', 'junit_family=xunit1']
  const ids = tests.length > 0 ? tests.map((t) => `s3tests/functional/test_s3.py::${t}`) : ['s3tests/functional/test_s3.py']
  await new Promise((resolvePromise) => {
    const child = spawn(join(venv, 'bin', 'python'), [...args, ...ids], {cwd: suite, stdio: ['ignore', 'ignore', 'inherit'], env: {...process.env, S3TEST_CONF: ini}})
    child.on('exit', () => resolvePromise())
  })
  if (!existsSync(junit)) fail(`pytest wrote no report (${junit})`)
}

/** The owner id each identity's buckets get, as the server reports it in GetBucketAcl. */
async function ownerIds(endpoint, identities) {
  const {S3Client, CreateBucketCommand, GetBucketAclCommand, DeleteBucketCommand} = await import('@aws-sdk/client-s3')
  const owners = {}
  for (const identity of identities) {
    const client = new S3Client({endpoint, region: 'us-east-1', forcePathStyle: true, credentials: {accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey}})
    const bucket = `owner-${createHash('sha256').update(identity.name + Date.now()).digest('hex').slice(0, 16)}`
    await client.send(new CreateBucketCommand({Bucket: bucket}))
    const acl = await client.send(new GetBucketAclCommand({Bucket: bucket}))
    await client.send(new DeleteBucketCommand({Bucket: bucket}))
    owners[identity.name] = {id: acl.Owner?.ID ?? identity.name, displayName: acl.Owner?.DisplayName ?? identity.name}
    client.destroy()
  }
  return owners
}

async function waitForS3(endpoint, identity, timeoutMs) {
  const {S3Client, ListBucketsCommand} = await import('@aws-sdk/client-s3')
  const client = new S3Client({endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: {accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey}})
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await client.send(new ListBucketsCommand({}))
      return client.destroy()
    } catch (error) {
      if (mini.exitCode !== null) fail(`weed mini exited (${mini.exitCode}) before serving S3`)
      if (Date.now() > deadline) fail(`weed mini did not serve S3 at ${endpoint} within ${timeoutMs / 1000} s: ${error.message}`)
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

function waitForExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
      resolvePromise()
    }, timeoutMs)
    child.on('exit', () => {
      clearTimeout(timer)
      resolvePromise()
    })
  })
}

function suiteCommit(dir) {
  try {
    return /`s3-tests\/`[^`]*?commit\s+(\w+)/.exec(readFileSync(join(dir, '..', 'README.md'), 'utf8'))?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

function gitCommit() {
  try {
    return process.env.CONFORMANCE_COMMIT ?? execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim()
  } catch {
    return 'unknown'
  }
}

function fail(message) {
  throw new Failure(message)
}

/** Before anything started: nothing to clean up. */
function stop(message) {
  process.stderr.write(`conformance: ${message}\n`)
  process.exit(2)
}
