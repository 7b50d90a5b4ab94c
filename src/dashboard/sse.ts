import type {ServerResponse} from 'node:http'

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  connection: 'keep-alive',
}

/** One server-sent event; `data` is JSON on one line. */
export function sendEvent(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
}

/** A comment line: keeps an idle stream from being taken for a dead one. */
export function sendKeepalive(res: ServerResponse): void {
  res.write(': keepalive\n\n')
}
