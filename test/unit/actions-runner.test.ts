import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {evaluate, Job, parseFileCommand} from '../helpers/actions-runner.js'
import {REPO} from '../helpers/cli.js'
import {BUCKET_NAME} from '../../src/clusterfile/schema.js'

const contexts = (status: 'success' | 'failure' = 'success') => ({
  inputs: {'weed-version': '4.48', s3: 'true', buckets: ''},
  steps: new Map([['up', {'filer-url': 'http://127.0.0.1:9888'}]]),
  github: {action_path: '/a', workspace: '/w'},
  runner: {temp: '/t', os: 'Linux', arch: 'X64'},
  job: {status},
  env: {X: '1'},
  status,
})

describe('the Action runner of the tests: expressions and file commands as GitHub has them', () => {
  test('the expressions action.yml and stop/action.yml use', () => {
    assert.equal(evaluate(' inputs.weed-version ', contexts(), 'l'), '4.48')
    assert.equal(evaluate('steps.up.outputs.filer-url', contexts(), 'l'), 'http://127.0.0.1:9888')
    assert.equal(evaluate('steps.none.outputs.x', contexts(), 'l'), '', 'a step that did not run has no outputs')
    assert.equal(evaluate('runner.temp', contexts(), 'l'), '/t')
    assert.equal(evaluate('github.action_path', contexts(), 'l'), '/a')
    assert.equal(evaluate('job.status == \'failure\'', contexts('failure'), 'l'), true)
    assert.equal(evaluate('job.status == \'FAILURE\'', contexts('failure'), 'l'), true, 'strings compare case-insensitively')
    assert.equal(evaluate('always()', contexts('failure'), 'l'), true)
    assert.equal(evaluate('success() && inputs.s3 == \'true\'', contexts(), 'l'), true)
    assert.equal(evaluate('!(failure() || inputs.buckets != \'\')', contexts(), 'l'), true)
  })

  test('anything else is an error naming the step, never an empty string', () => {
    assert.throws(() => evaluate('inputs.volume', contexts(), 'action.yml step 2'), /action\.yml step 2: \$\{\{ inputs\.volume \}\}: no input volume/)
    assert.throws(() => evaluate('secrets.TOKEN', contexts(), 'l'), /unknown context secrets/)
    assert.throws(() => evaluate('runner.name', contexts(), 'l'), /unknown property runner\.name/)
    assert.throws(() => evaluate('hashFiles()', contexts(), 'l'), /unknown function hashFiles\(\)/)
    assert.throws(() => evaluate('format(\'{0}\', inputs.s3)', contexts(), 'l'), /cannot read|unexpected/)
    assert.throws(() => evaluate('inputs.s3 ==', contexts(), 'l'), /ends too early/)
  })

  test('GITHUB_ENV and GITHUB_OUTPUT: KEY=value lines and KEY<<DELIMITER blocks; a bad line fails', () => {
    assert.deepEqual(parseFileCommand('A=1\nB=x=y\nC<<EOF\nline 1\nline 2\nEOF\n', 'f'), {A: '1', B: 'x=y', C: 'line 1\nline 2'})
    assert.throws(() => parseFileCommand('no equals sign\n', 'f'), /f: invalid line/)
    assert.throws(() => parseFileCommand('C<<EOF\nnever closed\n', 'f'), /no closing EOF/)
  })

  test('a composite action: defaults from the file, env and run substituted, GITHUB_ENV/GITHUB_PATH applied to the next step, outputs, if:', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actions-runner-'))
    try {
      writeFileSync(join(dir, 'action.yml'), [
        'name: t',
        'inputs:',
        '  word: {default: "${{ runner.temp }}/w"}',
        'outputs:',
        '  said: {value: "${{ steps.one.outputs.said }}"}',
        'runs:',
        '  using: composite',
        '  steps:',
        '    - id: one',
        '      shell: bash',
        '      env: {WORD: "${{ inputs.word }}"}',
        '      run: |',
        '        echo "said=$WORD" >> "$GITHUB_OUTPUT"; echo "FROM_ONE=1" >> "$GITHUB_ENV"; echo /opt/x >> "$GITHUB_PATH"',
        '        test -z "${INPUT_WORD:-}"   # composite actions get no INPUT_* variables',
        '    - shell: bash',
        '      run: test "$FROM_ONE" = 1 && case "$PATH" in /opt/x:*) ;; *) exit 3;; esac && exit 7',
        '    - if: failure()',
        '      shell: bash',
        '      run: echo after-failure',
        '    - shell: bash',
        '      run: echo never',
        '',
      ].join('\n'))
      const job = new Job({workspace: dir, runnerTemp: join(dir, 'rt'), baseEnv: {PATH: '/usr/bin:/bin'}})
      const outputs = await job.runAction(dir, {}, 'uses: t')
      assert.deepEqual(outputs, {said: `${join(dir, 'rt')}/w`})
      assert.deepEqual(job.steps.map((s) => [s.outcome, s.exitCode]), [['success', 0], ['failure', 7], ['success', 0], ['skipped', undefined]], job.log)
      assert.equal(job.status, 'failure')
      await assert.rejects(job.runAction(dir, {wrod: 'x'}), /unexpected input\(s\) wrod; valid inputs are word/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('action/check-inputs.sh', () => {
  const check = (env: Record<string, string>) => spawnSync('bash', [join(REPO, 'action', 'check-inputs.sh')], {env: {PATH: process.env.PATH, ...env}, encoding: 'utf8'})

  test('its bucket rule is the one `up --bucket` applies (BUCKET_NAME)', () => {
    const names = ['ci-data', 'abc', 'a.b-c', 'x'.repeat(63), '123', 'ab', 'x'.repeat(64), 'Upper', 'a..b', '-ab', 'ab-', '192.168.1.1', 'xn--abc', 'a_b', 'bucket-s3alias', 'sthree-x', 'my--ol-s3', '1.2.3', 'a.-b']
    for (const name of names) {
      const r = check({S3: 'true', BUCKETS: name})
      assert.equal(r.status === 0, BUCKET_NAME.test(name), `${name}: ${r.stdout}`)
    }
  })

  test('the defaults pass; each bad input is named with its rule', () => {
    assert.equal(check({}).status, 0)
    const r = check({VOLUMES: '2x', S3: 'false', BUCKETS: 'photos'})
    assert.equal(r.status, 1)
    assert.match(r.stdout, /input 'volumes' is "2x"/)
    assert.match(r.stdout, /input 'buckets' is "photos": buckets need the S3 gateway: add s3: true/)
  })
})
