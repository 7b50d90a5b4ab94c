import {randomBytes} from 'node:crypto'
import {chmodSync, mkdirSync, readFileSync, statSync} from 'node:fs'

import {SeaweedctlError} from '../lib/errors.js'
import {writeFileAtomic} from '../lib/fs-atomic.js'
import type {S3Plan} from '../plan/types.js'

/** SSE-S3's key-encryption key: AES-256, so 32 bytes (weed's `[s3.sse] kek` is their hex). */
export const KEK_BYTES = 32

/**
 * Why a KEK file named in the spec cannot be used, or undefined if it can. A KEK file holds the key as 64 hex
 * characters (surrounding whitespace ignored) or as exactly 32 raw bytes; no other length is guessed at, and a
 * file that others may read is refused before anything starts.
 */
export function kekFileProblem(file: string): string | undefined {
  try {
    const mode = statSync(file).mode
    if (mode & 0o077) return `${file} is readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run: chmod 600 ${file}`
    kekFromBytes(readFileSync(file), file)
    return undefined
  } catch (error) {
    if (error instanceof SeaweedctlError) return error.message
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? `${file} does not exist; create it with: (umask 077; openssl rand -hex 32 > ${file})` : `${file} cannot be read (${code}); make it readable by this user, mode 0600`
  }
}

/** The key a spec's kekFile holds, as weed's hex; refused (SPEC_RANGE, `where` in front) as kekFileProblem says. */
export function readKekFile(file: string, where = ''): string {
  const problem = kekFileProblem(file)
  if (problem) throw new SeaweedctlError('SPEC_RANGE', `${where}s3.sse.kekFile: ${problem}; nothing was written.`, {data: {file}})
  return kekFromBytes(readFileSync(file), file)
}

/** A KEK new for a cluster (or an export), as weed's hex. */
export function newKek(): string {
  return randomBytes(KEK_BYTES).toString('hex')
}

/** The key as weed's hex, from the file's bytes (64 hex characters, or 32 raw bytes). */
function kekFromBytes(bytes: Buffer, file: string): string {
  const text = bytes.toString('latin1').trim()
  if (/^[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase()
  if (bytes.length === KEK_BYTES) return bytes.toString('hex')
  throw new SeaweedctlError('SPEC_RANGE', `${file} holds ${bytes.length} bytes; a KEK is 64 hex characters or exactly 32 raw bytes; create one with: (umask 077; openssl rand -hex 32 > ${file})`, {data: {file}})
}

/** The key a gateway's security.toml holds (undefined before the first `up`). */
export function readClusterKek(securityFile: string): string | undefined {
  try {
    return /^\s*kek\s*=\s*"([0-9a-f]{64})"/m.exec(readFileSync(securityFile, 'utf8'))?.[1]
  } catch {
    return undefined
  }
}

/**
 * The gateways' security.toml (0600): made once per cluster with a fresh KEK, or from the spec's kekFile, and kept
 * across down/up, because every SSE-S3 object's data key is wrapped with it. A different key for an existing
 * cluster is refused: objects written under the old one would no longer decrypt.
 */
export function ensureSseKey(s3: S3Plan): void {
  const current = readClusterKek(s3.securityFile)
  let wanted = current
  if (s3.kekFile) {
    const problem = kekFileProblem(s3.kekFile)
    if (problem) throw new SeaweedctlError('SPEC_RANGE', `s3.sse.kekFile: ${problem}; nothing was started.`, {data: {file: s3.kekFile}})
    wanted = kekFromBytes(readFileSync(s3.kekFile), s3.kekFile)
    if (current && current !== wanted) {
      throw new SeaweedctlError('SPEC_RANGE', `s3.sse.kekFile: ${s3.kekFile} holds another key than the one this cluster encrypts with (kept in ${s3.securityFile}); objects written with SSE-S3 would no longer decrypt. Nothing was started.`, {
        hints: ['Point s3.sse.kekFile at the cluster\'s key, or remove s3.sse.kekFile to keep using the one in the run directory', 'See: seaweedctl s3 rotate-kek (why a key cannot be swapped in place)'],
        data: {file: s3.kekFile, securityFile: s3.securityFile},
      })
    }
  }
  wanted ??= newKek()
  for (const dir of [s3.dir, s3.configDir]) {
    mkdirSync(dir, {recursive: true, mode: 0o700})
    chmodSync(dir, 0o700)
  }
  if (current === wanted) return
  writeFileAtomic(s3.securityFile, securityToml(wanted), 0o600)
}

/** weed's security.toml holding only the SSE-S3 KEK (the gateways read it from -config_dir). */
export function securityToml(kek: string): string {
  return [
    '# Written by seaweedctl for the S3 gateways (-config_dir); 0600. Keep it: every SSE-S3 object\'s data key is',
    '# wrapped with this KEK, and weed derives its STS signing key from it.',
    '[s3.sse]',
    `kek = "${kek}"`,
    '',
  ].join('\n')
}

/**
 * `s3 rotate-kek`: always refused. weed wraps each SSE-S3 object's data key with the KEK and stores it in the
 * object's metadata; it has no way to re-wrap those keys under a new KEK, and a gateway holds one KEK only, so a
 * swapped key would leave every object written before it unreadable.
 */
export function refuseKekRotation(s3: S3Plan | undefined, weedVersion: string): never {
  if (!s3) throw new SeaweedctlError('KEY_ROTATION_REFUSED', 'this cluster has no S3 gateway, so it has no SSE-S3 key to rotate; nothing was changed.', {data: {}})
  const kept = readClusterKek(s3.securityFile) !== undefined
  throw new SeaweedctlError('KEY_ROTATION_REFUSED', kept
    ? `the SSE-S3 key-encryption key cannot be rotated in place: weed ${weedVersion} keeps every SSE-S3 object's data key wrapped with it in the object's metadata, cannot re-wrap them under a new key, and a gateway reads one key only, so objects written before the change would no longer decrypt. The key in ${s3.securityFile} is unchanged.`
    : `this cluster has no SSE-S3 key yet (it is made at the first up with S3); nothing was changed.`, {
    hints: kept
      ? ['To move to a new key: start a second cluster with s3.sse.kekFile naming it, copy the objects across (e.g. aws s3 sync), then retire this one']
      : ['To choose the key yourself, set s3.sse.kekFile before the first up'],
    nothingChanged: true,
    data: {securityFile: s3.securityFile},
  })
}
