// @ts-check
// How the page talks to the daemon: the token (from the URL's fragment, or a one-time code), server-sent events
// read with fetch (so the token travels in a header, never in a URL), and JSON POSTs.

const TOKEN_KEY = 'seaweedctl-dashboard-token'
/** @type {string | null} */
let token = null

export class Unauthorized extends Error {}

export async function obtainToken() {
  const params = new URLSearchParams(location.hash.slice(1))
  let found = params.get('token')
  const code = params.get('code')
  if (code) {
    const res = await fetch('/api/session', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({code})})
    if (res.ok) found = (await res.json()).token
  }
  // Keep the token out of the address bar, history and screenshots; the tab remembers it across reloads.
  if (location.hash) history.replaceState(null, '', location.pathname)
  if (found) sessionStorage.setItem(TOKEN_KEY, found)
  token = found ?? sessionStorage.getItem(TOKEN_KEY)
  return token
}

/**
 * Read a text/event-stream response, calling `onEvent(name, data)` per event, until it ends.
 * @param {string} path
 * @param {AbortSignal | undefined} signal
 * @param {(event: string, data: any) => void} onEvent
 */
export async function readEvents(path, signal, onEvent) {
  const res = await fetch(path, {headers: {authorization: `Bearer ${token}`}, signal, cache: 'no-store'})
  if (res.status === 401) throw new Unauthorized((await res.json().catch(() => ({})))?.error?.message ?? 'token refused')
  if (!res.ok || !res.body) throw new Error(`${path}: HTTP ${res.status}`)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const {value, done} = await reader.read()
    if (done) return
    buffer += value
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      let data = ''
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data += line.slice(6)
      }
      if (data) onEvent(event, JSON.parse(data))
    }
  }
}

/**
 * POST a JSON body; resolves to the refusal's message, or undefined when it was accepted.
 * @param {string} path
 * @param {unknown} body
 */
export async function postJson(path, body) {
  const res = await fetch(path, {method: 'POST', headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}, body: JSON.stringify(body)})
  if (res.ok) return undefined
  const answer = await res.json().catch(() => ({}))
  return answer?.error?.message ?? `HTTP ${res.status}`
}

export const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms))
