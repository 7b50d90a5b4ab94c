import type {Probe} from '../plan/types.js'
import {s3ErrorCode, s3Request} from '../s3/client.js'
import {readAdminKey} from '../s3/credentials.js'

/**
 * An S3 gateway serves when a SigV4-signed ListBuckets answers 200 (weed's /status and /healthz answer 200
 * before the gateway has its identities or its filer). The key is read from the 0600 file at every probe.
 * Answers in the shape of probes.ts's ProbeResult (its caller) without importing it: no import cycle.
 */
export async function s3SignedProbe(probe: Extract<Probe, {kind: 's3Signed'}>, timeoutMs: number): Promise<{ok: boolean; detail: string}> {
  const key = readAdminKey(probe.credentialsFile)
  if (!key) return {ok: false, detail: `no credentials in ${probe.credentialsFile}`}
  const answer = await s3Request(probe.endpoint, {...key, region: probe.region}, 'GET', '/', {timeoutMs})
  return answer.status === 200 ? {ok: true, detail: 'signed ListBuckets 200'} : {ok: false, detail: `signed ListBuckets ${s3ErrorCode(answer)}`}
}
