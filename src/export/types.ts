/** What an export renders: files relative to the output directory, made from one Plan and nothing else. */

export type ExportTarget = 'supervisor' | 'systemd' | 'compose' | 'k8s'

export type ExportFileKind =
  | 'supervisord-config'
  | 'systemd-service'
  | 'systemd-target'
  | 'compose-file'
  | 'k8s-manifests'

export interface ExportFile {
  /** Relative to the output directory; never absolute, never with "..". */
  path: string
  kind: ExportFileKind
  content: string
}

export interface ExportOptions {
  /** Absolute path of the weed executable the engine runs (host engines only: supervisor, systemd). */
  weedPath: string
}

/**
 * Directories that must exist on the host before the engine reads the files (supervisord opens its log
 * files and socket while it parses the config). `export -o` creates them.
 */
export interface ExportRendering {
  files: ExportFile[]
  prerequisites: Array<{path: string; mode: number}>
}
