import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, listedNodes, listeningPortsOf, TEST_WEED_VERSION, testDir, weedBinary, WEED_VERSION_ARGS} from '../helpers/cli.js'

// Ports of this file: portOffsets 1200 and 1300.
describe('two clusters side by side', () => {
  const a = testDir('side-a')
  const b = testDir('side-b')
  after(async () => {
    await Promise.all([a.cleanup(), b.cleanup()])
  })

  test('both come up healthy with different port offsets, S3 gateways included', async () => {
    // b is given its weed with --weed and no --weed-version: its new spec takes that binary's version.
    const [ra, rb] = await Promise.all([
      cli(['up', '--volumes', '2', '--s3', '--port-offset', '1200', ...WEED_VERSION_ARGS], {cwd: a.dir}),
      cli(['up', '--volumes', '2', '--s3', '--port-offset', '1300', '--weed', weedBinary()], {cwd: b.dir}),
    ])
    assert.equal(ra.code, 0, ra.stderr + ra.stdout)
    assert.equal(rb.code, 0, rb.stderr + rb.stdout)
    const version = TEST_WEED_VERSION.replace('.', '\\.')
    assert.match(rb.stdout, new RegExp(`^spec: weed\\.version "${version}" for the new spec: the version of --weed ${weedBinary()} `, 'm'))
    assert.match(readFileSync(join(b.dir, 'seaweed.yaml'), 'utf8'), new RegExp(`^  version: "${version}"`, 'm'))
    const [sa, sb] = await Promise.all([cli(['status', '--json'], {cwd: a.dir}), cli(['status', '--json'], {cwd: b.dir})])
    assert.equal(sa.code, 0)
    assert.equal(sb.code, 0)
    const pa = JSON.parse(sa.stdout)
    const pb = JSON.parse(sb.stdout)
    assert.notEqual(pa.daemon.pid, pb.daemon.pid)
    // Each volume server is listed at the address status reports (its own loopback IP).
    const volumeAddresses = (report: {processes: Array<{kind: string; address: string}>}) => report.processes.filter((p) => p.kind === 'volume').map((p) => p.address).sort()
    assert.deepEqual(volumeAddresses(pa), ['127.0.0.2:9280', '127.0.0.3:9281'])
    assert.deepEqual((await listedNodes('http://127.0.0.1:10533')).sort(), volumeAddresses(pa))
    assert.deepEqual((await listedNodes('http://127.0.0.1:10633')).sort(), volumeAddresses(pb))
    // Each S3 gateway listens on its own HTTP, gRPC and metrics ports only: the Iceberg (8181) and Lance (9101)
    // ports that weed opens by default, and that two clusters would fight over, are turned off for this weed version.
    for (const [report, offset] of [[pa, 1200], [pb, 1300]] as const) {
      const s3 = report.processes.find((p: {name: string}) => p.name === 's3-1')
      assert.equal(s3.state, 'RUNNING')
      assert.deepEqual(listeningPortsOf(s3.pid), [8333 + offset, 13_333 + offset, 18_333 + offset])
      assert.equal((await fetch(`http://127.0.0.1:${8333 + offset}/status`)).status, 200)
    }
  })
})
