import {type FSWatcher, watch} from 'node:fs'
import type {IncomingMessage, ServerResponse} from 'node:http'

import {LogCursor} from '../lib/log-cursor.js'
import {tailLines} from '../supervisor/diagnose.js'
import {SSE_HEADERS, sendEvent} from './sse.js'

/** Lines written in a burst are sent together, this long after the first. */
const BATCH_MS = 150
/** A log that does not exist yet (or whose watch broke) is looked at this often. */
const RECHECK_MS = 3000

/**
 * The last `lines` lines of a log as one `lines` event, then each new batch as it is written, until the page
 * closes the stream. Woken by the file system (inotify), not by polling; rotation is followed.
 */
export function streamLog(req: IncomingMessage, res: ServerResponse, file: string, lines: number): void {
  res.writeHead(200, SSE_HEADERS)
  sendEvent(res, 'lines', tailLines(file, lines))
  const cursor = new LogCursor(file)
  let batch: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined
  const flush = () => {
    batch = undefined
    const fresh = cursor.read()
    if (fresh.length > 0) sendEvent(res, 'lines', fresh)
  }
  const soon = () => {
    batch ??= setTimeout(flush, BATCH_MS)
  }
  const ensureWatch = () => {
    if (watcher) return
    try {
      watcher = watch(file, {persistent: false}, soon)
      watcher.on('error', () => {
        watcher?.close()
        watcher = undefined
      })
      soon()
    } catch {
      // Not written yet: looked for again below.
    }
  }
  ensureWatch()
  const recheck = setInterval(ensureWatch, RECHECK_MS)
  req.on('close', () => {
    clearInterval(recheck)
    clearTimeout(batch)
    watcher?.close()
  })
}
