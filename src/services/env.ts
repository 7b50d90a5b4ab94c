import type {Plan} from '../plan/types.js'

/** What an S3 client needs to reach the cluster's gateway. */
export interface S3Access {
  endpoint: string
  accessKeyId: string
  secretAccessKey: string
  region: string
  buckets: string[]
}

/**
 * The S3 credentials of the plan's gateway. This release runs gateways without credentials (anonymous
 * access), so there is nothing to hand out: undefined.
 */
export function s3Access(plan: Plan): S3Access | undefined {
  void plan
  return undefined
}

/** The variables a client of the cluster needs: its endpoints (and, with S3, AWS_ENDPOINT_URL). */
export function clusterEnv(plan: Plan): Record<string, string> {
  return {
    SEAWEED_MASTER_URL: plan.endpoints.master,
    ...(plan.endpoints.filer ? {SEAWEED_FILER_URL: plan.endpoints.filer} : {}),
    ...(plan.endpoints.s3 ? {AWS_ENDPOINT_URL: plan.endpoints.s3} : {}),
  }
}
