import assert from 'node:assert/strict'
import {after, describe, test} from 'node:test'

import {cli, listedNodes, testDir} from '../helpers/cli.js'

// Ports of this file: portOffsets 1200 and 1300.
describe('two clusters side by side', () => {
  const a = testDir('side-a')
  const b = testDir('side-b')
  after(async () => {
    await Promise.all([a.cleanup(), b.cleanup()])
  })

  test('both come up healthy with different port offsets', async () => {
    const [ra, rb] = await Promise.all([
      cli(['up', '--volumes', '2', '--port-offset', '1200'], {cwd: a.dir}),
      cli(['up', '--volumes', '2', '--port-offset', '1300'], {cwd: b.dir}),
    ])
    assert.equal(ra.code, 0, ra.stderr + ra.stdout)
    assert.equal(rb.code, 0, rb.stderr + rb.stdout)
    const [sa, sb] = await Promise.all([cli(['status', '--json'], {cwd: a.dir}), cli(['status', '--json'], {cwd: b.dir})])
    assert.equal(sa.code, 0)
    assert.equal(sb.code, 0)
    const pa = JSON.parse(sa.stdout)
    const pb = JSON.parse(sb.stdout)
    assert.notEqual(pa.daemon.pid, pb.daemon.pid)
    assert.deepEqual((await listedNodes('http://127.0.0.1:10533')).sort(), ['127.0.0.1:9280', '127.0.0.1:9281'])
    assert.deepEqual((await listedNodes('http://127.0.0.1:10633')).sort(), ['127.0.0.1:9380', '127.0.0.1:9381'])
  })
})
