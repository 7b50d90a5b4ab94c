import {S3Client} from '@aws-sdk/client-s3'

/**
 * The one place tests make an S3 client. The gateway accepts any keys while it has no identities configured;
 * a cluster with credentials passes its own here.
 */
export function s3Client(endpoint: string, credentials = {accessKeyId: 'seaweedctl-test', secretAccessKey: 'seaweedctl-test'}): S3Client {
  return new S3Client({endpoint, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 3})
}
