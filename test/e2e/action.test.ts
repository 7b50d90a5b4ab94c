import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {ActionJobs} from '../helpers/action-jobs.js'
import type {Job} from '../helpers/actions-runner.js'
import {isListening, pidsUnder, REPO, TEST_WEED_VERSION, weedSection} from '../helpers/cli.js'

// action.yml and stop/action.yml run as a GitHub runner runs them (test/helpers/actions-runner.ts): every step,
// input default and expression comes from the files. Ports: automatic (--port-offset auto), as the action picks
// them, except the case of a user's own spec on port offset OFFSET. The first job installs the packed package
// (npm's cache, else the registry).
const OFFSET = 3700

const jobs = new ActionJobs(mkdtempSync(join(tmpdir(), 'seaweedctl-action-')))
after(() => jobs.cleanup())

interface Started {dir: string; file: string; 'master-url': string; 'filer-url': string; 's3-url': string}

async function start(job: Job, inputs: Record<string, string>): Promise<Started> {
  const outputs = await job.runAction(REPO, {'weed-version': TEST_WEED_VERSION, ...inputs}, 'uses: seaweedfs/seaweedctl')
  assert.equal(job.status, 'success', job.log)
  return outputs as unknown as Started
}

/** A later workflow step: `run:` with the job's environment (GITHUB_ENV and GITHUB_PATH applied). */
async function runStep(job: Job, script: string): Promise<string> {
  const before = job.steps.length
  await job.runWorkflowSteps(JSON.stringify({steps: [{run: script}]}))
  const step = job.steps[before]
  assert.equal(step.outcome, 'success', job.log)
  return step.output
}

/** The stop action, then: no process left in the cluster's directory, its ports closed, its data gone. */
async function stopAndCheck(job: Job, clusters: Started[], inputs: Record<string, string> = {}): Promise<string> {
  const ports = await Promise.all(clusters.map(async (c) => [c['master-url'], c['filer-url'], c['s3-url']].filter(Boolean).map((u) => Number(new URL(u).port))))
  const before = job.steps.length
  // As a workflow adds it: last, with if: always().
  await job.runWorkflowSteps(JSON.stringify({steps: [{uses: 'seaweedfs/seaweedctl/stop@main', if: 'always()', with: inputs}]}))
  const stop = job.steps[before]
  assert.equal(stop.outcome, 'success', job.log)
  for (const c of clusters) {
    assert.deepEqual(pidsUnder(c.dir), [], `nothing of ${c.dir} is left running\n${job.log}`)
    assert.ok(!existsSync(join(c.dir, '.seaweed')), `${c.dir}: the data is deleted`)
  }
  for (const port of ports.flat()) assert.equal(isListening(port), false, `port ${port} is closed`)
  return stop.output
}

describe('the GitHub Action (action.yml, stop/action.yml) as a runner runs it', () => {
  test('defaults: 4 volume servers, no S3; the job\'s later steps see the endpoints; stop leaves nothing', async () => {
    const job = jobs.job()
    const c = await start(job, {})
    assert.equal(c.dir, join(job.stepEnv().RUNNER_TEMP, 'seaweed'), 'the default directory is RUNNER_TEMP/seaweed')
    assert.ok(job.steps.some((s) => /actions\/cache@v4 not run/.test(s.output)), 'the cache step is skipped with a note')
    assert.equal(job.env.SEAWEED_FILER_URL, c['filer-url'])
    assert.equal(job.env.SEAWEEDCTL_FILE, c.file)
    assert.equal(job.env.AWS_ENDPOINT_URL, undefined, 'no S3 variables without s3')
    const out = await runStep(job, 'curl -fsS -X PUT --data-binary hello "$SEAWEED_FILER_URL/t/a.txt" >/dev/null && curl -fsS "$SEAWEED_FILER_URL/t/a.txt" && seaweedctl status --json | node -e \'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log("volumes="+JSON.parse(s).processes.filter(p=>p.kind==="volume").length))\'')
    assert.match(out, /hello/)
    assert.match(out, /volumes=4/)
    await stopAndCheck(job, [c])
    assert.match(job.steps.at(-1)!.output, /^skipped: if: job.status == 'failure'/, 'no log upload after a job that passed')
  })

  for (const [label, buckets] of [['space separated', 'photos logs'], ['comma separated', 'photos,logs']] as const) {
    test(`s3: true, buckets: '${buckets}' (${label}): both buckets exist and take objects through the exported AWS_* variables`, async () => {
      const job = jobs.job()
      const c = await start(job, {s3: 'true', buckets, volumes: '2'})
      assert.ok(c['s3-url'], 'the s3-url output')
      assert.equal(job.env.S3_BUCKET, 'photos')
      assert.ok(job.masked.includes(job.env.AWS_SECRET_ACCESS_KEY), 'the secret is masked')
      const out = await runStep(job, 'echo hi > f.txt && aws s3 cp f.txt s3://photos/f.txt && aws s3 cp f.txt s3://logs/f.txt && aws s3 ls s3://photos && aws s3 ls s3://logs && aws s3 ls')
      assert.match(out, /f\.txt[\s\S]*f\.txt/)
      assert.match(out, / logs\n/)
      assert.match(out, / photos\n/)
      await stopAndCheck(job, [c])
    })
  }

  test('s3: true with one bucket: S3_BUCKET is it', async () => {
    const job = jobs.job()
    const c = await start(job, {s3: 'true', buckets: 'ci-data', volumes: '1'})
    assert.equal(job.env.S3_BUCKET, 'ci-data')
    const out = await runStep(job, 'echo hi > a.txt && aws s3 cp a.txt "s3://$S3_BUCKET/a.txt" && aws s3 ls "s3://$S3_BUCKET"')
    assert.match(out, /a\.txt/)
    await stopAndCheck(job, [c])
  })

  test('an invalid bucket name fails the first step with the input and the rule; nothing is installed or started; stop says so and succeeds', async () => {
    const job = jobs.job()
    await job.runAction(REPO, {s3: 'true', buckets: 'photos Bad_Name'}, 'uses: seaweedfs/seaweedctl')
    assert.equal(job.status, 'failure')
    const [check, ...rest] = job.steps
    assert.equal(check.outcome, 'failure', job.log)
    assert.match(check.output, /input 'buckets' is "Bad_Name": not a valid S3 bucket name .*3-63 lower-case letters, digits, dots and dashes/)
    assert.doesNotMatch(check.output, /photos/, 'the valid bucket is not reported')
    assert.deepEqual(rest.map((s) => s.outcome), ['skipped', 'skipped', 'skipped'], 'cache, install and start are skipped')
    assert.ok(!existsSync(join(job.stepEnv().RUNNER_TEMP, 'seaweed')), 'no cluster directory')
    const out = await stopAndCheck(job, [])
    assert.match(out, /No seaweedctl cluster was started in this job: nothing to stop\./)
    assert.match(job.steps.at(-1)!.output, /upload-artifact@v4 not run/, 'the upload step\'s condition holds after a failed job (if: job.status == \'failure\'); it is skipped with a note')
  })

  for (const [input, value, rule] of [
    ['volumes', 'four', /input 'volumes' is "four": a number of volume servers is a whole number from 1/],
    ['volumes', '0', /input 'volumes' is "0": a number of volume servers is a whole number from 1/],
    ['s3', 'yes', /input 's3' is "yes": it is true or false/],
    ['weed-version', '4', /input 'weed-version' is "4": a weed version is MAJOR\.MINOR/],
    ['buckets', 'ab', /input 'buckets' is "ab": not a valid S3 bucket name \(it has 2 characters\)/],
  ] as const) {
    test(`bad input ${input}: '${value}' fails the first step naming the input and the rule, before anything starts`, async () => {
      const job = jobs.job()
      await job.runAction(REPO, {s3: 'true', [input]: value}, 'uses: seaweedfs/seaweedctl')
      assert.equal(job.steps[0].outcome, 'failure', job.log)
      assert.match(job.steps[0].output, rule)
      assert.match(job.steps[0].output, /^::error title=seaweedctl: bad input/m, 'an error annotation')
      assert.ok(job.steps.slice(1).every((s) => s.outcome === 'skipped'), job.log)
      assert.ok(!existsSync(join(job.stepEnv().RUNNER_TEMP, 'seaweedctl-clusters')))
    })
  }

  test('two uses in one job: two clusters side by side (own directories and ports); stop stops both', async () => {
    const job = jobs.job()
    const a = await start(job, {s3: 'true', buckets: 'first', volumes: '1'})
    const b = await start(job, {s3: 'true', buckets: 'second', volumes: '1'})
    assert.match(job.log, /already installed/, 'the second use does not install again')
    assert.equal(a.dir, join(job.stepEnv().RUNNER_TEMP, 'seaweed'))
    assert.equal(b.dir, join(job.stepEnv().RUNNER_TEMP, 'seaweed-2'))
    assert.notEqual(a['filer-url'], b['filer-url'])
    assert.equal(job.env.SEAWEED_FILER_URL, b['filer-url'], 'the later use\'s variables win in GITHUB_ENV')
    for (const [c, bucket] of [[a, 'first'], [b, 'second']] as const) {
      const out = await runStep(job, `curl -fsS -X PUT --data-binary x "${c['filer-url']}/d/x" >/dev/null && eval "$(seaweedctl env --file ${c.file})" && aws s3 ls`)
      assert.match(out, new RegExp(` ${bucket}\\n`))
    }
    await stopAndCheck(job, [a, b])
  })

  test('the stop action after a start that failed with the cluster\'s spec in place (a port of it taken): exits 0, says the cluster was not running', async () => {
    const job = jobs.job()
    // The user's own spec in `dir`, on a fixed port offset whose master port another program holds.
    const dir = join(jobs.root, 'own-spec')
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'seaweed.yaml'), `name: own-spec\nportOffset: ${OFFSET}\n${weedSection()}volume:\n  count: 1\n`)
    const holder = createServer()
    await new Promise<void>((resolvePromise) => holder.listen(9333 + OFFSET, '127.0.0.1', resolvePromise))
    try {
      await job.runAction(REPO, {volumes: '1', dir, 'weed-version': TEST_WEED_VERSION}, 'uses: seaweedfs/seaweedctl')
    } finally {
      holder.close()
    }
    assert.equal(job.status, 'failure')
    const up = job.steps.find((s) => /Start the cluster/.test(s.label))!
    assert.equal(up.outcome, 'failure', job.log)
    assert.match(up.output, new RegExp(`${9333 + OFFSET}`), 'up names the port')
    const out = await stopAndCheck(job, [{dir} as Started])
    assert.match(out, /Cluster "own-spec" was not running\./, out)
  })
})
