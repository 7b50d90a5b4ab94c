import {spawn} from 'node:child_process'

import type {DashboardAnswer, DashboardRequest} from '../dashboard/protocol.js'
import {type ErrorCode, SeaweedctlError} from '../lib/errors.js'
import {ensureDaemon} from './cluster.js'
import {planFromFile} from './plan.js'

export interface DashboardResult {
  url: string
  port: number
  /** Where the token is kept (0600), for scripts. */
  tokenFile: string
  /** With --open: whether a browser was started. */
  opened?: boolean
}

/**
 * Ask the cluster's daemon to serve its dashboard and return the URL (with the token). The page lives as
 * long as the daemon; asking again returns the same URL, or moves it to the port asked for.
 */
export async function startDashboard(file: string, options: {port?: number; open: boolean}): Promise<DashboardResult> {
  const plan = planFromFile(file)
  const client = await ensureDaemon(plan)
  let answer: DashboardAnswer
  try {
    const request: DashboardRequest = {port: options.port, specFile: plan.specFile, open: options.open}
    answer = await client.request<DashboardAnswer>('POST', '/v1/dashboard', request)
  } finally {
    await client.close()
  }
  if ('error' in answer) {
    const {code, message, hints, data} = answer.error
    throw new SeaweedctlError(code as ErrorCode, `${message}. Nothing was changed.`, {hints, data})
  }
  const result: DashboardResult = {url: answer.url, port: answer.port, tokenFile: answer.tokenFile}
  // The browser gets a one-time code, never the token: a command line is visible to every local user.
  if (answer.openUrl) result.opened = await openBrowser(answer.openUrl)
  return result
}

function openBrowser(url: string): Promise<boolean> {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open'
  return new Promise((resolve) => {
    const child = spawn(opener, [url], {detached: true, stdio: 'ignore'})
    child.once('error', () => resolve(false))
    child.once('spawn', () => {
      child.unref()
      resolve(true)
    })
  })
}
