import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {type Browser, chromium} from 'playwright-core'

import {s3Request} from '../../src/s3/client.js'
import {cli, testDir, waitFor, weedSection} from '../helpers/cli.js'

// Ports of this file: portOffset 2750 (master 12083, volumes 10830-10831, filer 11638, s3 11083; metrics at HTTP + 5000).
const OFFSET = 2750
/** Set to a path (e.g. docs/dashboard-metrics.png) to save a screenshot of the page with its graphs. */
const SCREENSHOT = process.env.SEAWEEDCTL_DASHBOARD_METRICS_SCREENSHOT

describe('dashboard graphs: the processes\' metrics, read while the page is open, drawn live in chromium', () => {
  const {dir, cleanup} = testDir('dashboard-metrics')
  let browser: Browser | undefined
  after(async () => {
    await browser?.close()
    await cleanup()
  })

  test('S3 writes move the gateway\'s requests/s, bytes in and status graphs; volume servers show disk used; the window is named', async () => {
    writeFileSync(join(dir, 'seaweed.yaml'), `portOffset: ${OFFSET}\n${weedSection()}volume:\n  count: 2\ns3:\n  count: 1\n  buckets: [graphs]\n`)
    const up = await cli(['up'], {cwd: dir})
    assert.equal(up.code, 0, up.stderr + up.stdout)
    const served = JSON.parse((await cli(['dashboard', '--json'], {cwd: dir})).stdout) as {url: string}

    browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: process.getuid?.() === 0 ? ['--no-sandbox'] : []})
    const page = await browser.newPage({viewport: {width: 1440, height: 1200}})
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(served.url)
    const series = (name: string) => page.locator(`svg[data-series="${name}"]`)
    const max = async (name: string) => Number(await series(name).getAttribute('data-max'))

    // Two reads make the first rate; the note names the window and the interval.
    await waitFor('two samples drawn', async () => (Number(await series('s3-1:requests').getAttribute('data-points').catch(() => '0')) >= 1 ? true : undefined), 60_000)
    assert.match(await page.locator('#metrics-note').innerText(), /^last \d+s · a point every 5s · /)
    assert.ok(await max('volume-1:diskUsed') > 0, 'volume-1 disk used is drawn')
    assert.equal(await page.locator('tr[data-metrics="master-1"]').count(), 1)

    const env = JSON.parse((await cli(['env', '--format', 'json'], {cwd: dir})).stdout) as Record<string, string>
    const key = {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, region: env.AWS_REGION}
    const before = await max('s3-1:requests')
    const body = Buffer.alloc(64 * 1024, 7)
    const writeUntil = Date.now() + 60_000
    // Keep writing until the page shows it: the graph moves only with the next sample (every 5 s).
    const moved = waitFor('the S3 requests/s graph to rise after writes', async () => (await max('s3-1:requests') > before && await max('s3-1:bytesIn') > 0 ? true : undefined), 60_000)
    let writes = 0
    let done = false
    void moved.finally(() => {
      done = true
    })
    while (!done && Date.now() < writeUntil) {
      const put = await s3Request(env.AWS_ENDPOINT_URL, key, 'PUT', `/graphs/object-${writes++}.bin`, {body})
      assert.equal(put.status, 200)
    }
    await moved
    await series('s3:200').waitFor({timeout: 15_000})
    assert.ok(await max('s3:200') > 0, 'S3 requests by status: 200s')
    assert.ok(await max('filer-1:requests') > 0, 'the gateway\'s writes reach the filer')
    assert.match(await page.locator('[data-value="s3-1:requests"]').innerText(), /\/s$/)
    assert.deepEqual(errors, [])
    if (SCREENSHOT) await page.locator('.metrics-card').screenshot({path: SCREENSHOT})
  })
})
