import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {isListening, REPO, TEST_WEED_VERSION, weedPidsUnder} from '../helpers/cli.js'

// Ports of this file: automatic (--port-offset auto). The install needs npm's cache or the registry for the
// package's runtime dependencies (`npm ci` fills the cache on a CI machine).

interface Run {code: number; stdout: string; stderr: string}

function run(command: string, args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(command, args, {cwd: options.cwd, env: {...process.env, CI: 'true', ...options.env}, timeout: options.timeoutMs ?? 300_000, maxBuffer: 16 << 20}, (error, stdout, stderr) => {
      resolvePromise({code: error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : 1) : 0, stdout, stderr})
    })
  })
}

describe('the packed package, installed into a temp prefix, and the GitHub Action\'s steps', () => {
  const root = mkdtempSync(join(tmpdir(), 'seaweedctl-pkg-'))
  const prefix = join(root, 'prefix')
  const runnerTemp = join(root, 'runner')
  mkdirSync(runnerTemp)
  const githubPath = join(runnerTemp, 'github_path')
  const githubEnv = join(runnerTemp, 'github_env')
  const clusterDir = join(runnerTemp, 'seaweed')
  const empty = join(root, 'empty')
  mkdirSync(empty)
  // The installed command only: PATH has the prefix's bin and the system, not this checkout.
  const env = (): NodeJS.ProcessEnv => ({PATH: `${prefix}/bin:/usr/local/bin:/usr/bin:/bin`, RUNNER_TEMP: runnerTemp, GITHUB_PATH: githubPath, GITHUB_ENV: githubEnv, SEAWEEDCTL_PREFIX: prefix, WEED_VERSION: TEST_WEED_VERSION, HOME: process.env.HOME})
  after(async () => {
    for (const dir of [empty, clusterDir]) {
      if (existsSync(join(dir, 'seaweed.yaml'))) await run(join(prefix, 'bin', 'seaweedctl'), ['down', '--file', join(dir, 'seaweed.yaml')], {cwd: dir, env: env()})
      for (const pid of weedPidsUnder(dir)) process.kill(pid, 'SIGKILL')
    }
    rmSync(root, {recursive: true, force: true})
  })

  test('action/install.sh packs the package and installs it (and weed) into the prefix', async () => {
    const r = await run('bash', [join(REPO, 'action', 'install.sh')], {cwd: empty, env: {...env(), GITHUB_ACTION_PATH: REPO}, timeoutMs: 600_000})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(readFileSync(githubPath, 'utf8').trim(), `${prefix}/bin`)
    const installed = join(prefix, 'lib', 'node_modules', 'seaweedctl')
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'oclif.manifest.json', 'templates/seaweed.schema.json', 'scripts/install-weed.sh', 'action.yml', 'action/up.sh']) {
      assert.ok(existsSync(join(installed, f)), `${f} is in the package`)
    }
    assert.ok(!readdirSync(installed).includes('src'), 'the source tree is not needed, and not shipped')
  })

  test('the installed seaweedctl runs up, status --json and down from an empty directory', async () => {
    const bin = join(prefix, 'bin', 'seaweedctl')
    const up = await run(bin, ['up', '--volumes', '2', '--port-offset', 'auto', '--weed-version', TEST_WEED_VERSION], {cwd: empty, env: env()})
    assert.equal(up.code, 0, up.stdout + up.stderr)
    const status = await run(bin, ['status', '--json'], {cwd: empty, env: env()})
    assert.equal(status.code, 0, status.stdout + status.stderr)
    const report = JSON.parse(status.stdout) as {processes: Array<{state: string; ports: {http: number}}>}
    assert.equal(report.processes.length, 4)
    const down = await run(bin, ['down', '--purge', '--yes'], {cwd: empty, env: env()})
    assert.equal(down.code, 0, down.stderr)
    assert.deepEqual(weedPidsUnder(empty), [])
    for (const p of report.processes) assert.equal(isListening(p.ports.http), false)
  })

  test('action/up.sh brings a cluster up and exports its variables to GITHUB_ENV; action/down.sh takes it down', async () => {
    const up = await run('bash', [join(REPO, 'action', 'up.sh')], {cwd: runnerTemp, env: {...env(), VOLUMES: '2', S3: 'true', SEAWEEDCTL_DIR: clusterDir}})
    const logsDir = join(runnerTemp, 'logs')
    const down = await run('bash', [join(REPO, 'action', 'down.sh')], {cwd: runnerTemp, env: {...env(), SEAWEEDCTL_DIR: clusterDir, LOGS_DIR: logsDir}})
    assert.equal(up.code, 0, up.stdout + up.stderr)
    const exported = readFileSync(githubEnv, 'utf8')
    assert.match(exported, /^SEAWEED_FILER_URL=http:\/\/127\.0\.0\.1:\d+$/m)
    assert.match(exported, /^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/m)
    assert.match(exported, new RegExp(`^SEAWEEDCTL_FILE=${clusterDir}/seaweed.yaml$`, 'm'))
    assert.equal(down.code, 0, down.stdout + down.stderr)
    assert.ok(existsSync(join(logsDir, 'filer-1.log')), 'the logs were kept for upload')
    assert.deepEqual(weedPidsUnder(clusterDir), [])
    assert.ok(!existsSync(join(clusterDir, '.seaweed')), 'down --purge --yes deleted the data')
  })
})
