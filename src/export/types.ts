/** What an export renders: files relative to the output directory, made from one Plan and nothing else. */

export type ExportTarget = 'supervisor' | 'systemd' | 'compose' | 'k8s' | 'helm' | 'operator' | 'prometheus'

export type ExportFileKind =
  | 'supervisord-config'
  | 'systemd-service'
  | 'systemd-target'
  | 'compose-file'
  | 'k8s-manifests'
  | 'helm-values'
  | 'seaweed-resource'
  | 'k8s-secret'
  | 'process-file'
  | 'install-script'
  | 'prometheus-config'

export interface ExportFile {
  /** Relative to the output directory; never absolute, never with "..". */
  path: string
  kind: ExportFileKind
  content: string
  /** File mode when written (default 0644); secrets are 0600. */
  mode?: number
}

export interface ExportOptions {
  /** Absolute path of the weed executable the engine runs (host engines only: supervisor, systemd). */
  weedPath: string
}

/** S3 access keys for a Kubernetes Secret (generated for each export, never the local cluster's own). */
export interface S3Keys {
  admin: {accessKey: string; secretKey: string}
  read: {accessKey: string; secretKey: string}
}

/** What the Kubernetes-operator exports (helm, operator) may add beyond the plan. */
export interface S3ExportOptions {
  /** Buckets to create at install. */
  buckets?: string[]
  /** Keys for the Secret file; without them no Secret file is rendered (it is only written with -o). */
  keys?: S3Keys
}

/**
 * Directories that must exist on the host before the engine reads the files (supervisord opens its log
 * files and socket while it parses the config). `export -o` creates them.
 */
export interface ExportRendering {
  files: ExportFile[]
  prerequisites: Array<{path: string; mode: number}>
  /** Things the user must do or know that the files alone do not say (printed as notes). */
  notes?: string[]
}

export interface ExportRequest {
  target: ExportTarget
  /** The spec file. */
  file: string
  /** Output directory; undefined prints to stdout. */
  out?: string
  force: boolean
  /** --weed: the weed executable the host engines run. */
  weed?: string
  /** --bucket (helm, operator): buckets to create, besides the spec's s3.buckets. */
  buckets?: string[]
  /** systemd: the account the units run as, and where their data lives on the target host. */
  user?: string
  group?: string
  dataDir?: string
}

export interface ExportResult {
  target: ExportTarget
  cluster: string
  /** Absolute output directory, or null when the files went to stdout. */
  outDir: string | null
  files: Array<{path: string; kind: ExportFileKind; bytes: number; content?: string}>
  /** Directories created so the engine can start (supervisord needs its socket and log directories). */
  directories: string[]
  /** The weed executable written into host-engine files, and where it was found. */
  weed?: {path: string; source: string}
  warnings: string[]
  /** What to do besides applying the files (create an account, a Secret…). */
  notes: string[]
}
