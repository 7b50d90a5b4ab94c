#!/usr/bin/env node
// Benchmark: the supervisor daemon's CPU while idle, without a page and with the dashboard open in chromium,
// on a cluster of 1 master, 4 volume servers and a filer. Reads the daemon's utime + stime
// from /proc/<pid>/stat over each window and prints the share of one core (target with the page: ≤ 1 %).
//   usage: node bench/dashboard-cpu.mjs [SECONDS] [ROUNDS] [--json]   (default 60 s per window, 2 rounds of no page / page;
//          port offset 4300; needs npm run build and /usr/bin/chromium; --json: the human lines go to stderr, the
//          last line of stdout is {"withoutPage":[...],"withPage":[...]} in % of a core)
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {chromium} from 'playwright-core'

const json = process.argv.includes('--json')
const positional = process.argv.slice(2).filter((a) => a !== '--json')
const seconds = Number(positional[0] || 60)
const rounds = Number(positional[1] || 2)
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'dashboard-cpu-'))
const cli = (...args) => execFileSync(process.execPath, [bin, ...args], {cwd: dir, encoding: 'utf8'})
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim())

/** utime + stime of `pid`, in seconds (the fields after the command name, which may contain spaces). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

async function window(label, pid) {
  const start = cpuSeconds(pid)
  const t0 = Date.now()
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  const used = cpuSeconds(pid) - start
  const share = (used / ((Date.now() - t0) / 1000)) * 100
  log(`${label.padEnd(34)} ${used.toFixed(2)} s CPU in ${seconds} s = ${share.toFixed(2)} % of a core`)
  return share
}

let browser
try {
  cli('up', '--volumes', '4', '--port-offset', '4300')
  const daemon = JSON.parse(cli('status', '--json')).daemon.pid
  const {url} = JSON.parse(cli('dashboard', '--json'))
  browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: process.getuid?.() === 0 ? ['--no-sandbox'] : []})
  await new Promise((resolve) => setTimeout(resolve, 5000)) // let the start-up settle
  // Alternate, so that a change in the machine's load shows as a difference between rounds, not as the page's cost.
  const without = []
  const withPage = []
  for (let round = 1; round <= rounds; round++) {
    without.push(await window(`round ${round}: daemon idle, no page`, daemon))
    const page = await browser.newPage()
    await page.goto(url)
    await page.locator('#conn[data-state="live"]').waitFor()
    await page.locator('.node').first().waitFor()
    await page.locator('.log div').first().waitFor()
    await new Promise((resolve) => setTimeout(resolve, 3000))
    withPage.push(await window(`round ${round}: daemon idle, dashboard open`, daemon))
    await page.close()
    await new Promise((resolve) => setTimeout(resolve, 2000))
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
  log(`mean: ${mean(without).toFixed(2)} % without the page, ${mean(withPage).toFixed(2)} % with it (the page's share: ${(mean(withPage) - mean(without)).toFixed(2)} %)`)
  log(`target ≤ 1 % of a core with the page open: ${mean(withPage) <= 1 ? 'met' : 'NOT met'}`)
  if (json) process.stdout.write(`${JSON.stringify({withoutPage: without, withPage})}\n`)
} finally {
  await browser?.close()
  try {
    cli('down')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
