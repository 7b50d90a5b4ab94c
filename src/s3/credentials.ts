import {randomBytes} from 'node:crypto'
import {chmodSync, mkdirSync, readFileSync} from 'node:fs'

import {writeFileAtomic} from '../lib/fs-atomic.js'
import {SeaweedctlError} from '../lib/errors.js'
import type {S3Plan} from '../plan/types.js'

/** What `credentials.json` (0600) holds: every identity with its keys, and the buckets `up` made. */
export interface S3Credentials {
  identities: Array<{name: string; actions: string[]; accessKeyId: string; secretAccessKey: string}>
  buckets: string[]
}

export const ADMIN = 'admin'
const ADMIN_ACTIONS = ['Admin', 'Read', 'Write', 'List', 'Tagging']
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** The admin identity's keys, read from the 0600 file (undefined before the first `up`). */
export function readAdminKey(credentialsFile: string): {accessKeyId: string; secretAccessKey: string} | undefined {
  return readCredentials(credentialsFile)?.identities.find((i) => i.name === ADMIN)
}

export function readCredentials(credentialsFile: string): S3Credentials | undefined {
  try {
    return JSON.parse(readFileSync(credentialsFile, 'utf8')) as S3Credentials
  } catch {
    return undefined
  }
}

/** An identity's key pair. */
export interface S3Key {
  accessKeyId: string
  secretAccessKey: string
}

/** How a refusal reads: what did not happen ("started", "written"), and where a spec key is (file:line:col). */
export interface SecretFailure {
  verb: string
  where?: (key: string) => string
}

const STARTED: SecretFailure = {verb: 'started'}

/**
 * Keys for every identity, made once per cluster and kept: a key in the spec (accessKey + secretKeyFile) wins,
 * then, for the admin identity, $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, then the keys of an earlier `up`,
 * then fresh random ones. Writes credentials.json and weed's s3.json, both 0600 in a 0700 directory.
 */
export function ensureCredentials(s3: S3Plan, buckets: string[], env: NodeJS.ProcessEnv = process.env): S3Credentials {
  const previous = readCredentials(s3.credentialsFile)
  const kept = (name: string) => previous?.identities.find((i) => i.name === name)
  const fromEnv = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY} : undefined
  const identities = resolveIdentities(s3, (name) => (name === ADMIN ? fromEnv : undefined) ?? kept(name) ?? generateKey(), STARTED)
  const credentials: S3Credentials = {identities, buckets: [...new Set([...(previous?.buckets ?? []), ...buckets])]}
  const weedConfig = weedS3Config(s3, identities, STARTED)
  mkdirSync(s3.dir, {recursive: true, mode: 0o700})
  chmodSync(s3.dir, 0o700)
  writeFileAtomic(s3.credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, 0o600)
  writeFileAtomic(s3.configFile, `${JSON.stringify(weedConfig, null, 2)}\n`, 0o600)
  return credentials
}

/** Every identity of the plan with its key: the spec's own key (read from its secretKeyFile) wins, else fallback(name). */
export function resolveIdentities(s3: S3Plan, fallback: (name: string) => S3Key, failure: SecretFailure): S3Credentials['identities'] {
  const admin = s3.accessKey ? {accessKeyId: s3.accessKey.accessKeyId, secretAccessKey: secretFrom(s3.accessKey.secretKeyFile, 's3.secretKeyFile', failure)} : fallback(ADMIN)
  const identities: S3Credentials['identities'] = [{name: ADMIN, actions: ADMIN_ACTIONS, accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey}]
  s3.identities.forEach((identity, i) => {
    const key = identity.accessKeyId
      ? {accessKeyId: identity.accessKeyId, secretAccessKey: secretFrom(identity.secretKeyFile!, `s3.identities[${i}].secretKeyFile`, failure)}
      : fallback(identity.name)
    identities.push({name: identity.name, actions: identity.actions, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey})
  })
  return identities
}

/** weed's identities file (`weed s3 -config`): the identities, anonymous reads, and those of an imported s3.json. */
export function weedS3Config(s3: S3Plan, identities: S3Credentials['identities'], failure: SecretFailure): {identities: unknown[]} {
  return {
    identities: [
      ...identities.map((i) => ({name: i.name, credentials: [{accessKey: i.accessKeyId, secretKey: i.secretAccessKey}], actions: i.actions})),
      ...(s3.anonymousRead.length > 0 ? [{name: 'anonymous', actions: s3.anonymousRead.flatMap((b) => [`Read:${b}`, `List:${b}`])}] : []),
      ...importedIdentities(s3.importConfig, failure),
    ],
  }
}

/** Record buckets created by `up --bucket` so `env` names them later. */
export function recordBuckets(credentialsFile: string, buckets: string[]): void {
  const current = readCredentials(credentialsFile)
  if (!current) return
  const merged = [...new Set([...current.buckets, ...buckets])]
  if (merged.length === current.buckets.length) return
  writeFileAtomic(credentialsFile, `${JSON.stringify({...current, buckets: merged}, null, 2)}\n`, 0o600)
}

/** A fresh random key pair. */
export function generateKey(): S3Key {
  const id = [...randomBytes(16)].map((b) => KEY_ALPHABET[b % 32]).join('')
  return {accessKeyId: `SWCTL${id}`, secretAccessKey: randomBytes(30).toString('base64').replace(/[+/]/g, (c) => (c === '+' ? 'x' : 'z'))}
}

/** The key in the spec, at `key` (its file:line:col when known), for an error message. */
function at(key: string, failure: SecretFailure): string {
  return `${failure.where?.(key) ?? ''}${key}`
}

function secretFrom(file: string, key: string, failure: SecretFailure): string {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new SeaweedctlError('SPEC_RANGE', `${at(key, failure)}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code}); nothing was ${failure.verb}.`, {
      hints: ['Write the secret into that file (one line, mode 0600, readable by you), or remove the accessKey and its secretKeyFile from seaweed.yaml to have a key generated'],
      data: {file, key},
    })
  }
  if (text.length < 8 || /\s/.test(text)) throw new SeaweedctlError('SPEC_RANGE', `${at(key, failure)}: ${file} must hold one secret of at least 8 characters without spaces; nothing was ${failure.verb}.`, {data: {file, key}})
  return text
}

function importedIdentities(file: string | undefined, failure: SecretFailure): unknown[] {
  if (!file) return []
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new SeaweedctlError('SPEC_RANGE', `${at('s3.config', failure)}: cannot read ${file} (${code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'permission denied' : code}); nothing was ${failure.verb}.`, {
      hints: ['Point s3.config at a readable weed s3.json, or set it to "" to import none'],
      data: {file, key: 's3.config'},
    })
  }
  try {
    const parsed = JSON.parse(text) as {identities?: unknown}
    if (!Array.isArray(parsed.identities)) throw new Error('it has no "identities" list')
    return parsed.identities
  } catch (error) {
    throw new SeaweedctlError('SPEC_RANGE', `${at('s3.config', failure)}: ${file} is not a weed s3.json (${(error as Error).message}); nothing was ${failure.verb}.`, {hints: ['See: weed s3 -h (the -config file)'], data: {file}})
  }
}
