/** The head and body framing of one HTTP/1.1 answer, for the loopback client (loopback-http.ts). */

const EMPTY = Buffer.alloc(0)
const MAX_HEAD_BYTES = 64 * 1024

/** An HTTP/1.1 response, fed chunk by chunk: status line and headers, then a Content-Length, chunked or to-close body. */
export class ResponseParser {
  status = 0
  keepAlive = true
  private head: Buffer | undefined = EMPTY
  private pending: Buffer = EMPTY
  private readonly parts: Buffer[] = []
  private framing: {kind: 'length'; left: number} | {kind: 'chunked'; left: number; trailer: boolean} | {kind: 'close'} | undefined

  constructor(private readonly noBody = false, private readonly keepBody = true) {}

  push(chunk: Buffer): 'more' | 'done' | 'malformed' {
    if (this.head !== undefined) {
      const data = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk])
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) {
        if (data.length > MAX_HEAD_BYTES) return 'malformed'
        this.head = data
        return 'more'
      }
      this.head = undefined
      if (!this.readHead(data.toString('latin1', 0, end))) return 'malformed'
      chunk = data.subarray(end + 4)
    }
    return this.readBody(chunk)
  }

  /** Whether a connection that ends now ends the answer (a body framed by the close). */
  endsAtClose(): boolean {
    return this.head === undefined && this.framing?.kind === 'close'
  }

  body(): Buffer {
    return this.parts.length === 1 ? this.parts[0] : this.parts.length === 0 ? EMPTY : Buffer.concat(this.parts)
  }

  private readHead(text: string): boolean {
    // Lower-cased once and searched, not split into lines: this runs for every probe of the daemon's life.
    const head = text.toLowerCase()
    const status = /^http\/1\.([01]) (\d{3})/.exec(head)
    if (!status) return false
    this.status = Number(status[2])
    const length = headerValue(head, 'content-length')
    if (length !== undefined && !/^\d+$/.test(length)) return false
    const chunked = headerValue(head, 'transfer-encoding')?.split(',').at(-1)?.trim() === 'chunked'
    const connection = headerValue(head, 'connection') ?? ''
    this.keepAlive = connection.includes('keep-alive') || (status[1] === '1' && !connection.includes('close'))
    if (this.noBody || this.status === 204 || this.status === 304 || this.status < 200) this.framing = {kind: 'length', left: 0}
    else if (chunked) this.framing = {kind: 'chunked', left: -1, trailer: false}
    else if (length !== undefined) this.framing = {kind: 'length', left: Number(length)}
    else {
      this.framing = {kind: 'close'}
      this.keepAlive = false
    }
    return true
  }

  private readBody(chunk: Buffer): 'more' | 'done' | 'malformed' {
    const framing = this.framing!
    if (framing.kind === 'close') {
      if (chunk.length > 0 && this.keepBody) this.parts.push(chunk)
      return 'more'
    }
    if (framing.kind === 'length') {
      const take = Math.min(framing.left, chunk.length)
      if (take > 0 && this.keepBody) this.parts.push(chunk.subarray(0, take))
      framing.left -= take
      if (framing.left > 0) return 'more'
      // Bytes past the answer mean the server and we disagree on framing: do not reuse this connection.
      if (chunk.length > take) this.keepAlive = false
      return 'done'
    }
    return this.readChunks(framing, chunk)
  }

  private readChunks(framing: {left: number; trailer: boolean}, chunk: Buffer): 'more' | 'done' | 'malformed' {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    this.pending = EMPTY
    for (;;) {
      if (framing.trailer) {
        // After the last chunk: trailer lines until an empty one.
        const end = data.indexOf('\r\n')
        if (end < 0) return this.keep(data)
        data = data.subarray(end + 2)
        if (end > 0) continue
        if (data.length > 0) this.keepAlive = false
        return 'done'
      }
      if (framing.left < 0) {
        const end = data.indexOf('\r\n')
        if (end < 0) return this.keep(data)
        const size = Number.parseInt(data.toString('latin1', 0, end).split(';')[0].trim(), 16)
        if (!Number.isFinite(size) || size < 0) return 'malformed'
        data = data.subarray(end + 2)
        if (size === 0) {
          framing.trailer = true
          continue
        }
        framing.left = size + 2 // the chunk and its CRLF
      }
      const take = Math.min(framing.left, data.length)
      const bodyBytes = Math.min(take, Math.max(0, framing.left - 2))
      if (bodyBytes > 0 && this.keepBody) this.parts.push(data.subarray(0, bodyBytes))
      framing.left -= take
      data = data.subarray(take)
      if (framing.left > 0) return 'more'
      framing.left = -1
    }
  }

  private keep(data: Buffer): 'more' | 'malformed' {
    if (data.length > MAX_HEAD_BYTES) return 'malformed'
    this.pending = Buffer.from(data)
    return 'more'
  }
}

/** The value of header `name` in a lower-cased response head, trimmed. */
function headerValue(head: string, name: string): string | undefined {
  const at = head.indexOf(`\r\n${name}:`)
  if (at < 0) return undefined
  const start = at + name.length + 3
  const end = head.indexOf('\r\n', start)
  return head.slice(start, end < 0 ? undefined : end).trim()
}
