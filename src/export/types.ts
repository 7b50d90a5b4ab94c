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
