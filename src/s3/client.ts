import {request} from 'node:http'

import {signV4, type SigningKey} from './sigv4.js'

export interface S3Answer {
  status: number
  body: Buffer
  /** Set when no HTTP answer came (refused, reset, timed out); status is then 0. */
  error?: string
}

/**
 * One signed S3 request on loopback with a hard timeout. Never rejects, like the other probes' requests:
 * a failure is an answer with status 0 and an error.
 */
export function s3Request(endpoint: string, key: SigningKey, method: string, path: string, options: {body?: Buffer; timeoutMs?: number} = {}): Promise<S3Answer> {
  const url = new URL(path, endpoint)
  const headers = signV4({method, url, body: options.body, headers: options.body ? {'content-length': String(options.body.length)} : {}}, key)
  const timeoutMs = options.timeoutMs ?? 10_000
  return new Promise((resolve) => {
    let settled = false
    const done = (answer: S3Answer) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(answer)
    }
    const req = request(url, {method, agent: false, headers: {...headers, connection: 'close'}}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => done({status: res.statusCode ?? 0, body: Buffer.concat(chunks)}))
      res.on('error', (e) => done({status: 0, body: Buffer.alloc(0), error: e.message}))
    })
    const timer = setTimeout(() => {
      req.destroy()
      done({status: 0, body: Buffer.alloc(0), error: `timed out (${timeoutMs}ms)`})
    }, timeoutMs)
    req.on('error', (e: NodeJS.ErrnoException) => done({status: 0, body: Buffer.alloc(0), error: e.code ?? e.message}))
    req.end(options.body)
  })
}

/** The <Code> of an S3 error body, for messages ("AccessDenied", "NoSuchBucket"). */
export function s3ErrorCode(answer: S3Answer): string {
  if (answer.error) return answer.error
  const code = /<Code>([^<]+)<\/Code>/.exec(answer.body.toString('utf8'))?.[1]
  return code ? `${answer.status} ${code}` : String(answer.status)
}
