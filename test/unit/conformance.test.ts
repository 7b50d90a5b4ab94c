import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

// @ts-expect-error: a plain .mjs script of the repository, without types
import {compareResults, identitiesForSuite, miniArgs, parseJunit, renderReport, suiteIni, SUITE_IDENTITIES} from '../../scripts/conformance-lib.mjs'

const JUNIT = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5">
<testcase classname="s3tests.functional.test_s3" name="test_bucket_list_empty" time="0.1" />
<testcase classname="s3tests.functional.test_s3" name="test_sse_s3_default_upload_1b" time="3.2"><failure message="botocore.exceptions.ClientError: An error occurred (InternalError)">def test():
&gt;       client.put_object(Bucket=b)
E       botocore.exceptions.ClientError: An error occurred (InternalError) when calling the PutObject operation (reached max retries: 4): We encountered an internal error, please try again.

s3tests/functional/test_s3.py:100: ClientError</failure></testcase>
<testcase classname="s3tests.functional.test_s3" name="test_copy_enc[sse-s3-sse-s3-STANDARD-STANDARD-1]" time="0.5"><error message="failed on setup with &quot;boom&quot;">setup failed</error></testcase>
<testcase classname="s3tests.functional.test_s3" name="test_bucket_logging" time="0.0"><skipped type="pytest.skip" message="not supported">skip</skipped></testcase>
<testcase classname="s3tests.functional.test_s3" name="test_multipart_upload" time="4.0"></testcase>
</testsuite></testsuites>`

describe('conformance harness', () => {
  test('JUnit: outcomes per test id (parameters kept) and the first error line', () => {
    const {tests, counts} = parseJunit(JUNIT)
    assert.deepEqual(counts, {passed: 2, failed: 2, skipped: 1})
    assert.equal(tests.test_bucket_list_empty.outcome, 'passed')
    assert.equal(tests.test_multipart_upload.outcome, 'passed')
    assert.deepEqual(tests.test_sse_s3_default_upload_1b, {outcome: 'failed', error: 'botocore.exceptions.ClientError: An error occurred (InternalError) when calling the PutObject operation (reached max retries: 4): We encountered an internal error, please try again.'})
    assert.deepEqual(tests['test_copy_enc[sse-s3-sse-s3-STANDARD-STANDARD-1]'], {outcome: 'failed', error: 'failed on setup with "boom"'})
    assert.equal(tests.test_bucket_logging.outcome, 'skipped')
  })

  test('compare: pass on one and fail on the other, both ways; skips are no difference', () => {
    const mini = {tests: {a: {outcome: 'passed'}, b: {outcome: 'failed', error: 'e-mini'}, c: {outcome: 'skipped'}, d: {outcome: 'passed'}, e: {outcome: 'passed'}}}
    const ctl = {tests: {a: {outcome: 'failed', error: 'e-ctl'}, b: {outcome: 'passed'}, c: {outcome: 'failed', error: 'x'}, d: {outcome: 'passed'}}}
    const r = compareResults(ctl, mini)
    assert.deepEqual(r.onlyMini, [{id: 'a', error: 'e-ctl'}])
    assert.deepEqual(r.onlySeaweedctl, [{id: 'b', error: 'e-mini'}])
    assert.deepEqual(r.missing, ['e'])
    const report = renderReport({version: '4.48', replication: '000', suiteCommit: 'abc', commit: 'def', date: 'now', minutes: 30, comparison: r,
      results: {'seaweedctl': {counts: {passed: 2, failed: 2, skipped: 0}, seconds: 900}, 'weed mini': {counts: {passed: 3, failed: 1, skipped: 1}, seconds: 60}}})
    assert.match(report, /\| seaweedctl \| 2 \| 2 \| 0 \| 4 \| 15 min \|/)
    assert.match(report, /\| weed mini \| 3 \| 1 \| 1 \| 5 \| 60 s \|/)
    assert.match(report, /## Pass on weed mini, fail on seaweedctl \(1\)\n\n\| test \| first error line on seaweedctl \|\n\|---\|---\|\n\| `a` \| e-ctl \|/)
    assert.doesNotMatch(report, /Fail on both/, 'a full run does not list the hundreds of tests no server passes')
  })

  test('a subset run names the tests that fail on both: what that weed version lacks', () => {
    const mini = {tests: {a: {outcome: 'failed', error: 'e-mini'}, b: {outcome: 'passed'}}}
    const ctl = {tests: {a: {outcome: 'failed', error: 'NotImplemented'}, b: {outcome: 'passed'}}}
    const r = compareResults(ctl, mini)
    assert.deepEqual(r.both, [{id: 'a', error: 'NotImplemented'}])
    const report = renderReport({version: '4.30', replication: '000', suiteCommit: 'abc', commit: 'def', date: 'now', minutes: 2, comparison: r, subset: 'scripts/conformance-subset.txt',
      results: {'seaweedctl': {counts: {passed: 1, failed: 1, skipped: 0}, seconds: 40}, 'weed mini': {counts: {passed: 1, failed: 1, skipped: 0}, seconds: 40}}})
    assert.match(report, /## Fail on both \(1\): what weed 4\.30 lacks or does differently\n\n\| test \| first error line on seaweedctl \|\n\|---\|---\|\n\| `a` \| NotImplemented \|/)
  })

  test('the suite\'s INI: every section, keys from env --format json, owners as the server reports them', () => {
    const env = {identities: Object.fromEntries(SUITE_IDENTITIES.map((n: string) => [n, {accessKeyId: `K-${n}`, secretAccessKey: `S-${n}`, actions: ['Admin']}]))}
    const identities = identitiesForSuite(env)
    const ini = suiteIni(new URL('http://127.0.0.1:38333'), identities, {admin: {id: 'admin', displayName: 'admin'}, alt: {id: 'alt-id', displayName: 'Alt'}})
    assert.match(ini, /^\[DEFAULT\]\nhost = 127\.0\.0\.1\nport = 38333\nis_secure = False/)
    for (const section of ['s3 main', 's3 alt', 's3 tenant', 'iam', 'iam root', 'iam alt root']) assert.ok(ini.includes(`[${section}]\n`), section)
    assert.match(ini, /\[s3 main\]\ndisplay_name = admin\nuser_id = admin\nemail = admin@example.com\naccess_key = K-admin\nsecret_key = S-admin\napi_name = default/)
    assert.match(ini, /\[s3 alt\]\ndisplay_name = Alt\nuser_id = alt-id\n/)
    assert.throws(() => identitiesForSuite({identities: {admin: env.identities.admin}}), /names no identity "alt" \(it has: admin\)/)
  })

  test('weed mini: every listener on its own port, and the Lance port only where weed has it', () => {
    const args: string[] = miniArgs('4.48', '/w', 31000, '/w/s3.json')
    for (const flag of ['-master.port=31333', '-volume.port=31080', '-filer.port=31888', '-s3.port=31833', '-admin.port=31646', '-webdav.port=31733', '-debug.port=31060', '-s3.config=/w/s3.json', '-s3.port.iceberg=0', '-s3.port.lance=0']) {
      assert.ok(args.includes(flag), flag)
    }
    assert.equal(miniArgs('4.30', '/w', 31000, '/w/s3.json').includes('-s3.port.lance=0'), false)
  })
})
