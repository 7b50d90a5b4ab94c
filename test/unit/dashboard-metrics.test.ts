import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {MetricsHistory, summarise} from '../../src/dashboard/metrics.js'
import type {StatusReport} from '../../src/supervisor/status-types.js'

const S3 = (ok: number, failed: number, received: number) => `# HELP SeaweedFS_s3_request_total Counter of s3 requests.
# TYPE SeaweedFS_s3_request_total counter
SeaweedFS_s3_request_total{bucket="b",code="200",type="PUT"} ${ok}
SeaweedFS_s3_request_total{bucket="b",code="503",type="PUT"} ${failed}
SeaweedFS_s3_bucket_traffic_received_bytes_total{bucket="b"} ${received}
`

const report = {
  name: 't', endpoints: {master: ''}, s3: null, daemon: null,
  processes: [{name: 's3-1', kind: 's3', pid: 1, address: '127.0.0.1:8333', ports: {http: 8333, grpc: 18333, metrics: 13333}}],
} as unknown as StatusReport

describe('dashboard graphs', () => {
  test('summarise: requests, 5xx, bytes and statuses of an S3 gateway', () => {
    assert.deepEqual(summarise('s3', S3(10, 2, 4096)), {requests: 12, errors: 2, bytesIn: 4096, byStatus: {200: 10, 503: 2}})
    assert.deepEqual(summarise('volume', 'SeaweedFS_volumeServer_resource{name="/d",type="used"} 1.5e+09\nSeaweedFS_volumeServer_resource{name="/d",type="all"} 9e+09\n'), {diskUsed: 1.5e9})
  })

  test('rates per second between reads; an unread point and a counter reset are gaps; one read serves concurrent callers', async () => {
    const answers = [S3(10, 0, 0), S3(20, 1, 1000), undefined, S3(5, 0, 0), S3(15, 0, 500)]
    let reads = 0
    let now = 0
    const history = new MetricsHistory(5000, async () => answers[reads++])
    const realNow = Date.now
    Date.now = () => now
    try {
      for (let i = 0; i < answers.length; i++) {
        now = i * 5000
        await Promise.all([history.sample(report, 3), history.sample(report, 3)])
      }
    } finally {
      Date.now = realNow
    }
    assert.equal(reads, answers.length, 'one read per sample, shared')
    const view = history.view(report)
    assert.deepEqual(view.times, [0, 5000, 10_000, 15_000, 20_000])
    assert.deepEqual(view.processes[0].requests, [null, 11 / 5, null, null, 2])
    assert.deepEqual(view.processes[0].bytesIn, [null, 200, null, null, 100])
    assert.deepEqual(view.s3ByStatus['200'], [null, 2, null, null, 2])
    assert.deepEqual(view.leaderVolumes, [3, 3, 3, 3, 3])
  })
})
