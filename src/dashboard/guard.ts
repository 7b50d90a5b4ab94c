import {timingSafeEqual} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'

export type Verdict = {ok: true} | {ok: false; status: 401 | 403; code: 'UNAUTHORIZED' | 'FORBIDDEN'; message: string}

export interface GuardContext {
  port: number
  token: string
}

/**
 * Who may talk to the dashboard. Every request must name 127.0.0.1:<port> as its Host (a page on another
 * site that rebinds its DNS name to 127.0.0.1 is refused) and, when it carries an Origin, come from that same
 * origin; state-changing requests must also not be cross-site by the browser's own account. The page's
 * assets need nothing more; every /api request also needs the token, as `Authorization: Bearer <token>` only:
 * a header another site's page cannot send without a CORS grant, which the dashboard never gives.
 */
export function checkRequest(method: string, headers: IncomingHttpHeaders, context: GuardContext, needsToken: boolean): Verdict {
  const origin = `127.0.0.1:${context.port}`
  if (headers.host !== origin) return forbidden(`the Host header must be ${origin} (got ${headers.host ?? 'none'})`)
  if (headers.origin !== undefined && headers.origin !== `http://${origin}`) return forbidden(`requests from ${headers.origin} are not accepted; open the dashboard at http://${origin}/`)
  const site = headers['sec-fetch-site']
  if (method !== 'GET' && site !== undefined && site !== 'same-origin' && site !== 'none') return forbidden(`a ${site} request may not change the cluster`)
  if (!needsToken) return {ok: true}
  const given = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1]
  if (!given) return {ok: false, status: 401, code: 'UNAUTHORIZED', message: 'no token: open the URL that `seaweedctl dashboard` prints'}
  if (!sameSecret(given, context.token)) return {ok: false, status: 401, code: 'UNAUTHORIZED', message: 'wrong token (each daemon has its own): run `seaweedctl dashboard` for the current URL'}
  return {ok: true}
}

function forbidden(message: string): Verdict {
  return {ok: false, status: 403, code: 'FORBIDDEN', message}
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
