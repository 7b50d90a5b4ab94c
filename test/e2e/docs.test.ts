import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, describe, test} from 'node:test'

import {resolveThisAction, machineEnv} from '../helpers/action-jobs.js'
import {Job, runProcess} from '../helpers/actions-runner.js'
import {BIN, pidsUnder, REPO} from '../helpers/cli.js'
import {type DocBlock, RUN, runBlock} from '../helpers/doc-blocks.js'

// The examples of README.md and docs/, each extracted from the page RUN names when the test runs
// (test/helpers/doc-blocks.ts) and run as written: shell in a temp directory with `seaweedctl` on PATH (a bin
// directory with a link to bin/run.js, as `npm link` makes), TypeScript with tsx in a project where `seaweedctl`
// resolves to this checkout, the workflows through the Action's runner. Ports: those the examples name (the
// Install example weed's defaults, "A cluster for development" 1000), else automatic. What a block needs around it
// (a file to upload) the test provides before it, and checks after it.

const root = mkdtempSync(join(tmpdir(), 'seaweedctl-docs-'))
const bin = join(root, 'bin')
mkdirSync(bin)
symlinkSync(BIN, join(bin, 'seaweedctl'))
const env = machineEnv({PATH: '', TMPDIR: join(root, 'tmp'), SEAWEEDCTL_PORTS_DIR: join(root, 'ports')})
env.PATH = `${bin}:${machineEnv().PATH}`
mkdirSync(env.TMPDIR, {recursive: true})

after(async () => {
  // What a failed example left: seaweedctl down in every cluster directory, then kill by pid, then delete.
  const clusters = (dir: string, depth: number): string[] => !existsSync(dir) || depth > 4 ? [] : readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() && e.name !== 'node_modules' ? clusters(join(dir, e.name), depth + 1) : e.name === 'seaweed.yaml' ? [join(dir, e.name)] : [])
  for (const file of clusters(root, 0)) {
    try {
      execFileSync(process.execPath, [BIN, 'down', '--purge', '--yes', '--file', file], {env, stdio: 'ignore', timeout: 120_000})
    } catch {
      // killed below
    }
  }
  for (const pid of pidsUnder(root)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  rmSync(root, {recursive: true, force: true})
})

function scenarioDir(name: string): string {
  const dir = join(root, name)
  mkdirSync(dir, {recursive: true})
  return dir
}

/** bash -eo pipefail on `before`, the block as written, then `check`, in one shell; fails with the whole output. */
async function runShell(block: DocBlock, dir: string, options: {before?: string; check?: string; env?: Record<string, string>; timeoutMs?: number} = {}): Promise<string> {
  const script = join(dir, `example-${block.line}.sh`)
  writeFileSync(script, [options.before ?? '', `# ${block.file}:${block.line}`, block.body, '# the test\'s checks', options.check ?? ''].join('\n'))
  const r = await runProcess('bash', ['-eo', 'pipefail', script], {cwd: dir, env: {...env, ...options.env}, timeoutMs: options.timeoutMs ?? 300_000})
  assert.equal(r.code, 0, `${block.file}:${block.line} failed (exit ${r.code}):\n${block.body}\n---\n${r.output}`)
  assert.deepEqual(pidsUnder(dir), [], `${block.file}:${block.line}: nothing is left running`)
  return r.output
}

describe('the examples of README.md and docs/, as written', () => {
  test('README, Install: in a copy of the checkout, npm ci, install weed, build, up; then the cluster serves', async () => {
    const block = runBlock(RUN.quickStart)
    const copy = scenarioDir('quick-start')
    // The checkout as a user has it, without node_modules or dist: the files git knows in this working tree, or
    // (in a copy without .git, as CI's second pass runs from) the tree without what a build or install adds.
    const tarball = join(root, 'checkout.tar')
    if (existsSync(join(REPO, '.git'))) {
      const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {cwd: REPO}).toString().split('\0').filter((f) => f && f !== 'node_modules' && !f.startsWith('dist/'))
      execFileSync('tar', ['-cf', tarball, '--null', '-T', '-'], {cwd: REPO, input: files.join('\0')})
    } else {
      execFileSync('tar', ['-cf', tarball, ...['node_modules', 'dist', '.cache', '.git'].map((d) => `--exclude=./${d}`), '.'], {cwd: REPO})
    }
    execFileSync('tar', ['-xf', tarball, '-C', copy])
    // npm's cache first (CI filled it with its own npm ci), so this runs without a network too.
    const out = await runShell(block, copy, {
      env: {npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false'},
      check: './bin/run.js status && ./bin/run.js down --purge --yes',
      timeoutMs: 900_000,
    })
    assert.match(out, /up: cluster "quick-start" ready/)
    assert.match(out, /volume-1\.\.4: RUNNING/)
  })

  test('README, a cluster for development: up on port offset 1000, status, a file through the filer, logs, down', async () => {
    const out = await runShell(runBlock(RUN.development), scenarioDir('development'), {check: 'echo "FILER_URL=$FILER_URL"'})
    assert.match(out, /^FILER_URL=http:\/\/127\.0\.0\.1:9888$/m, 'the filer of port offset 1000')
    assert.match(out, /^filer-1 +filer +RUNNING/m, 'status shows the filer')
    assert.match(out, /^Stopped 6 processes of cluster "development" .*data kept\.$/m)
  })

  test('README, S3 for CI: up with a bucket, eval env, aws s3 cp, down', async () => {
    const out = await runShell(runBlock(RUN.s3ForCi), scenarioDir('s3-for-ci'), {before: 'head -c 100000 /dev/urandom > build.tar'})
    assert.match(out, /upload: \.\/build\.tar to s3:\/\/ci-data\/build\.tar/)
  })

  test('docs/s3.md: --bucket repeated and as a list; env --github writes GITHUB_ENV, which an S3 client can use', async () => {
    const dir = scenarioDir('env-github')
    const githubEnv = join(dir, 'github_env')
    writeFileSync(githubEnv, '')
    const out = await runShell(runBlock(RUN.githubEnv), dir, {
      env: {GITHUB_ENV: githubEnv},
      check: `set -a; . ${githubEnv}; set +a; aws s3 ls; seaweedctl down --purge --yes`,
    })
    const written = readFileSync(githubEnv, 'utf8')
    for (const key of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'S3_BUCKET', 'SEAWEED_FILER_URL']) assert.match(written, new RegExp(`^${key}=.+$`, 'm'))
    assert.match(out, /^::add-mask::/m)
    for (const bucket of ['photos', 'logs', 'backups']) assert.match(out, new RegExp(` ${bucket}$`, 'm'))
  })

  test('README, change a running cluster: an edited count through diff and up, scale back down, a rolling restart', async () => {
    const out = await runShell(runBlock(RUN.change), scenarioDir('change'), {timeoutMs: 600_000})
    assert.match(out, /^volume-3 +added$/m, 'diff names the added volume server')
    assert.match(out, /^unchanged \(keep running\): master-1, volume-1, volume-2, filer-1$/m)
    assert.match(out, /^apply: started volume-3; 4 unchanged processes kept running$/m, 'up starts only volume-3')
    assert.match(out, /^volume: 3 → 2; removed volume-3/m, 'scale drains and removes it')
    assert.match(out, /^volume-1: RUNNING \(pid \d+\)$/m, 'the rolling restart')
    assert.match(out, /^volume-2: RUNNING \(pid \d+\)$/m, 'the rolling restart')
  })

  test('README, go to Kubernetes, Compose or systemd: cluster init, export compose and systemd into directories', async () => {
    const dir = scenarioDir('exports')
    await runShell(runBlock(RUN.exports), dir)
    assert.match(readFileSync(join(dir, 'deploy', 'compose.yaml'), 'utf8'), /services:/)
    assert.ok(readdirSync(join(dir, 'units')).some((f) => f.endsWith('.service')), 'systemd units')
  })

  test('README, from test code: the TypeScript API example type-checks, runs with tsx and leaves nothing behind', async () => {
    const block = runBlock(RUN.api)
    const project = scenarioDir('api')
    mkdirSync(join(project, 'node_modules'))
    symlinkSync(REPO, join(project, 'node_modules', 'seaweedctl'))
    writeFileSync(join(project, 'package.json'), '{"type": "module"}\n')
    writeFileSync(join(project, 'example.ts'), block.body)
    // It type-checks against the package's published types, as in a user's project (module nodenext).
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'esnext.disposable'], strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')]},
      files: ['example.ts'],
    }))
    const tsc = await runProcess(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {cwd: project, env, timeoutMs: 120_000})
    assert.equal(tsc.code, 0, `${block.file}:${block.line} does not type-check:\n${tsc.output}`)
    const tsx = fileURLToPath(import.meta.resolve('tsx'))
    const r = await runProcess(process.execPath, ['--import', tsx, 'example.ts'], {cwd: project, env, timeoutMs: 300_000})
    assert.equal(r.code, 0, `${block.file}:${block.line}:\n${r.output}`)
    assert.deepEqual(pidsUnder(env.TMPDIR), [], 'the cluster is down')
    assert.deepEqual(readdirSync(env.TMPDIR).filter((d) => d.startsWith('seaweed-') && existsSync(join(env.TMPDIR, d, '.seaweed'))), [], 'its data is purged')
  })

  test('README, S3 for CI: the GitHub Action workflow runs through the Action\'s runner: the later step sees S3 and the buckets, stop leaves nothing', async () => {
    const block = runBlock(RUN.workflow)
    const dir = scenarioDir('workflow')
    // The user's repository: its `npm test` reads the variables the action exported.
    const workspace = join(dir, 'workspace')
    mkdirSync(workspace)
    writeFileSync(join(workspace, 'package.json'), JSON.stringify({scripts: {test: 'node --test'}}))
    writeFileSync(join(workspace, 'env.test.mjs'), [
      'import assert from \'node:assert/strict\'',
      'import {test} from \'node:test\'',
      'test(\'the cluster is in the environment\', async () => {',
      '  assert.equal((await fetch(process.env.SEAWEED_FILER_URL + \'/\')).ok, true)',
      '  assert.match(process.env.AWS_ENDPOINT_URL, /^http:\\/\\/127\\.0\\.0\\.1:\\d+$/)',
      '  assert.equal(process.env.S3_BUCKET, \'photos\')',
      '})',
      '',
    ].join('\n'))
    const job = new Job({workspace, runnerTemp: join(dir, 'runner-temp'), baseEnv: machineEnv({SEAWEEDCTL_PREFIX: join(dir, 'prefix'), SEAWEEDCTL_PORTS_DIR: env.SEAWEEDCTL_PORTS_DIR}), resolveAction: resolveThisAction})
    await job.runWorkflowSteps(block.body)
    assert.equal(job.status, 'success', job.log)
    assert.ok(job.steps.every((s) => s.outcome !== 'failure'), job.log)
    const testStep = job.steps.find((s) => /^workflow step 3\b/.test(s.label))!
    assert.match(testStep.output, /^[#ℹ] pass 1$/m, job.log) // TAP on Node 20, the spec reporter on 22 and later
    assert.match(job.log, /Stop the cluster: success/)
    assert.deepEqual(pidsUnder(dir), [], 'nothing left running')
  })

  test('docs/github-action.md, two clusters in one job: each step\'s outputs name its own filer; the stop action stops both', async () => {
    const dir = scenarioDir('two-clusters')
    const workspace = join(dir, 'workspace')
    mkdirSync(workspace)
    const job = new Job({workspace, runnerTemp: join(dir, 'runner-temp'), baseEnv: machineEnv({SEAWEEDCTL_PREFIX: join(dir, 'prefix'), SEAWEEDCTL_PORTS_DIR: env.SEAWEEDCTL_PORTS_DIR}), resolveAction: resolveThisAction})
    await job.runWorkflowSteps(runBlock(RUN.twoClusters).body)
    assert.equal(job.status, 'success', job.log)
    const curls = job.steps.find((s) => /^workflow step 3\b/.test(s.label))!
    assert.equal(curls.outcome, 'success', job.log)
    assert.match(job.log, /data in \S+\/runner-temp\/seaweed-2\/\.seaweed/, 'the second use has a directory of its own')
    assert.deepEqual(pidsUnder(dir), [], 'nothing left running: both clusters are stopped')
  })
})
