import type {Plan, ProcessPlan} from '../plan/types.js'
import type {ExportFile} from './types.js'

/**
 * A file a process is given by a flag (weed reads it at start): it travels with the export, written beside the
 * main file and put where the engine's process finds it (a Compose secret, a mounted Kubernetes Secret, a file
 * the systemd install step installs, one beside supervisord.conf). Another such file is one more entry in
 * processFiles().
 */
export interface ProcessFile {
  /** The weed flag that names the file; its value becomes the file's place on the engine. */
  flag: string
  /**
   * The flag names the directory that holds the file, not the file (weed finds security.toml in -config_dir).
   * The flag is added when the plan's arguments lack it.
   */
  inDirectory?: boolean
  /** Its name in the export directory and inside the engine's mount. */
  name: string
  /** The key that holds it in the Kubernetes Secret seaweed-NAME-s3 (shared with the operator export). */
  secretKey: string
  /** Undefined when the export is printed: a file that holds keys is only ever written, 0600, with -o. */
  content?: string
}

/** The contents of the files, made by prepareExport (they read the spec's secret files and make new keys). */
export interface ProcessFileContents {
  /** weed's S3 identities file, with keys new for this export. */
  s3Identities?: string
  /** The gateways' security.toml: the spec's kekFile, else an SSE-S3 KEK new for this export. */
  securityToml?: string
}

export const S3_IDENTITIES_FILE = 's3-identities.json'
/** The key of the Secret that holds weed's S3 identities file (the operator's configSecret names it too). */
export const S3_CONFIG_KEY = 'seaweedfs_s3_config'
/** weed finds it by this name in -config_dir; the same name is its key in the Secret. */
export const SECURITY_FILE = 'security.toml'

/** Every file `p` reads, in the order of its flags. */
export function processFiles(p: ProcessPlan, contents: ProcessFileContents): ProcessFile[] {
  if (p.kind !== 's3') return []
  return [
    {flag: '-config', name: S3_IDENTITIES_FILE, secretKey: S3_CONFIG_KEY, content: contents.s3Identities},
    {flag: '-config_dir', inDirectory: true, name: SECURITY_FILE, secretKey: SECURITY_FILE, content: contents.securityToml},
  ]
}

/** The distinct files of the whole plan (every gateway reads the same identities file and KEK). */
export function planFiles(plan: Plan, contents: ProcessFileContents): ProcessFile[] {
  const byName = new Map<string, ProcessFile>()
  for (const p of plan.processes) for (const f of processFiles(p, contents)) byName.set(f.name, f)
  return [...byName.values()]
}

/**
 * `p`'s arguments with each file flag naming where the engine puts the file (or, for a file found in a
 * directory, that directory: the flag is then added in front, with weed's global flags, when it is missing).
 */
export function argsWithFiles(args: string[], files: ProcessFile[], place: (file: ProcessFile) => string): string[] {
  const value = (f: ProcessFile) => (f.inDirectory ? place(f).replace(/\/[^/]*$/, '') : place(f))
  const missing = files.filter((f) => f.inDirectory && !args.some((a) => a.startsWith(`${f.flag}=`)))
  const added = [...new Map(missing.map((f) => [f.flag, `${f.flag}=${value(f)}`])).values()]
  return [...added, ...args.map((arg) => {
    const file = files.find((f) => arg.startsWith(`${f.flag}=`))
    return file ? `${file.flag}=${value(file)}` : arg
  })]
}

/** The files to write beside the export's main file: 0600, since they may hold keys; none when printing. */
export function writtenFiles(files: ProcessFile[]): ExportFile[] {
  return files.filter((f) => f.content !== undefined).map((f) => ({path: f.name, kind: 'process-file', content: f.content!, mode: 0o600}))
}

/** What to say when printing: the files are named but not shown. */
export function unwrittenNote(files: ProcessFile[]): string[] {
  const missing = files.filter((f) => f.content === undefined)
  if (missing.length === 0) return []
  return [`the processes read ${missing.map((f) => f.name).join(', ')} (S3 identities and SSE-S3 key, new for this export): export with -o DIR to have ${missing.length === 1 ? 'it' : 'them'} written beside the other files, mode 0600`]
}
