import {has, type WeedVersion} from '../weed/versions.js'

/**
 * The actions an identity in weed's s3.json may hold, as weed spells them (the ACTION_* constants of
 * weed/s3api/s3_constants/s3_actions.go), for a given weed version. weed takes any string and silently never
 * matches one it does not know, so seaweedctl checks them before weed sees them.
 */
const BASE = ['Admin', 'Read', 'ReadAcp', 'Write', 'WriteAcp', 'List', 'Tagging', 'DeleteBucket']
const OBJECT_LOCK = ['BypassGovernanceRetention', 'GetObjectRetention', 'PutObjectRetention', 'GetObjectLegalHold', 'PutObjectLegalHold', 'GetBucketObjectLockConfiguration', 'PutBucketObjectLockConfiguration']
const BUCKET_POLICY = ['PutBucketPolicy', 'DeleteBucketPolicy']

export function identityActions(version: WeedVersion): string[] {
  return [...BASE, ...(has(version, 's3ObjectLockActions') ? OBJECT_LOCK : []), ...(has(version, 's3BucketPolicyActions') ? BUCKET_POLICY : [])]
}

/** An action as written in the spec: `Read`, or limited to a bucket or a path in it, `Read:bucket`, `Write:bucket/logs/*`. */
export function actionName(action: string): string {
  const colon = action.indexOf(':')
  return colon === -1 ? action : action.slice(0, colon)
}
