import {loopbackRequest} from '../lib/loopback-http.js'

import {signV4, type SigningKey} from './sigv4.js'

export interface S3Answer {
  status: number
  body: Buffer
  /** Set when no HTTP answer came (refused, reset, timed out); status is then 0. */
  error?: string
}

/**
 * One signed S3 request on loopback with a hard timeout, on a kept-open connection. Never rejects, like the
 * other probes' requests: a failure is an answer with status 0 and an error.
 */
export function s3Request(endpoint: string, key: SigningKey, method: string, path: string, options: {body?: Buffer; timeoutMs?: number} = {}): Promise<S3Answer> {
  const url = new URL(path, endpoint)
  const headers = signV4({method, url, body: options.body, headers: options.body ? {'content-length': String(options.body.length)} : {}}, key)
  return loopbackRequest(url.href, {method, headers, body: options.body, timeoutMs: options.timeoutMs ?? 10_000})
}

/** The <Code> of an S3 error body, for messages ("AccessDenied", "NoSuchBucket"). */
export function s3ErrorCode(answer: S3Answer): string {
  if (answer.error) return answer.error
  const code = /<Code>([^<]+)<\/Code>/.exec(answer.body.toString('utf8'))?.[1]
  return code ? `${answer.status} ${code}` : String(answer.status)
}
