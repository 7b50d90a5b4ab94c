// A test file whose setup starts a SeaweedFS cluster through seaweedctl's API and whose teardown removes it.
// Run: node --test examples/node-test/cluster.test.mjs   (the cluster goes away even when a test fails or the run is interrupted:
// stopOnExit makes the supervisor stop it, and purge delete its data, once this process is gone).
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'

import {GetObjectCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {startCluster} from 'seaweedctl'

let cluster

before(async () => {
  cluster = await startCluster({
    dir: process.env.EXAMPLE_CLUSTER_DIR ?? mkdtempSync(join(tmpdir(), 'seaweed-example-')),
    volumes: 4,
    replication: '001',
    buckets: ['example'],
    weedVersion: process.env.SEAWEEDCTL_TEST_WEED_VERSION ?? '4.48',
    stopOnExit: {purge: true},
  })
})

after(async () => {
  await cluster?.down({purge: true})
})

test('a file written through the filer reads back', async () => {
  const url = `${cluster.endpoints.filer}/example/hello.txt`
  assert.equal((await fetch(url, {method: 'PUT', body: 'hello, seaweed'})).status, 201)
  assert.equal(await (await fetch(url)).text(), 'hello, seaweed')
})

test('an object written through S3 reads back', async () => {
  // The cluster's own keys: its gateway refuses unsigned requests and unknown keys.
  const {endpoint, region, accessKeyId, secretAccessKey, buckets} = cluster.s3
  const s3 = new S3Client({endpoint, region, credentials: {accessKeyId, secretAccessKey}, forcePathStyle: true})
  await s3.send(new PutObjectCommand({Bucket: buckets[0], Key: 'k.txt', Body: 'through s3'}))
  const got = await s3.send(new GetObjectCommand({Bucket: buckets[0], Key: 'k.txt'}))
  assert.equal(await got.Body.transformToString(), 'through s3')
  s3.destroy()
})

test('env() names the endpoints', () => {
  const env = cluster.env()
  assert.equal(env.SEAWEED_FILER_URL, cluster.endpoints.filer)
  assert.equal(env.SEAWEED_MASTER_URL, cluster.endpoints.master)
  assert.equal(env.S3_BUCKET, 'example')
  assert.equal(env.AWS_ACCESS_KEY_ID, cluster.s3.accessKeyId)
})

// The end-to-end test of this example (test/e2e/test-api.test.ts) makes one test fail, or one hang until SIGINT,
// to prove the cluster is cleaned up then too.
if (process.env.EXAMPLE_FAIL === '1') test('a failing test', () => assert.fail('failed on purpose'))
if (process.env.EXAMPLE_HANG) {
  test('a test that hangs until the run is interrupted', async () => {
    // Says so in the file EXAMPLE_HANG names: node --test may report a test's output only once the test ends.
    writeFileSync(process.env.EXAMPLE_HANG, 'started')
    // A timer keeps the event loop alive, as real pending work would, until the run is interrupted.
    await new Promise(() => setInterval(() => {}, 1000))
  })
}
