/**
 * Errors carry a stable `code` (scripts branch on it under --json) and an exit code from one table.
 * "User can fix" errors say what is wrong, where, what to do, and whether anything changed.
 */

/** Exit codes, documented in docs/commands.md. One table for behaviour and docs. */
export const EXIT = {
  ok: 0,
  /** An unexpected failure: a bug, or an error without a more specific code. */
  failure: 1,
  /** Bad input: flags, arguments, seaweed.yaml, or a plan that cannot work. Nothing was changed. */
  badInput: 2,
  /** The cluster is not (or did not become) healthy: a process is not RUNNING, or the canary failed. */
  notHealthy: 3,
  /** The machine cannot run the plan: weed missing or of the wrong version, a port taken, a directory not writable. */
  environment: 4,
  /** Another seaweedctl command holds the cluster's lock, or the daemon could not be reached. */
  busy: 5,
  /** Stopped by Ctrl-C or SIGTERM after cleaning up; what was left unfinished is named by `status`. */
  interrupted: 130,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export type ErrorCode =
  | 'SPEC_NOT_FOUND'
  | 'SPEC_EXISTS'
  | 'SPEC_SYNTAX'
  | 'SPEC_UNKNOWN_KEY'
  | 'SPEC_TYPE'
  | 'SPEC_RANGE'
  | 'SPEC_FLAG_CONFLICT'
  | 'SPEC_WEED_ARG'
  | 'PLAN_PORT_COLLISION'
  | 'PLAN_PORT_RANGE'
  | 'PLAN_REPLICATION'
  | 'PORT_IN_USE'
  | 'PORT_EPHEMERAL'
  | 'DIR_NOT_WRITABLE'
  | 'WEED_NOT_FOUND'
  | 'WEED_NOT_EXECUTABLE'
  | 'WEED_VERSION_MISMATCH'
  | 'WEED_VERSION_UNSUPPORTED'
  | 'WEED_INSTALL_FAILED'
  | 'DAEMON_START_FAILED'
  | 'DAEMON_UNREACHABLE'
  | 'NOT_READY'
  | 'PROCESS_FAILED'
  | 'CANARY_FAILED'
  | 'NOT_HEALTHY'
  | 'CLUSTER_LOCKED'
  | 'CONFIRMATION_REQUIRED'
  | 'BAD_ARGUMENT'
  | 'UNKNOWN_COMMAND'
  | 'REUSE_MISMATCH'
  | 'UNKNOWN_PROCESS'
  | 'SCALE_REFUSED'
  | 'SHELL_FAILED'
  | 'DRAIN_FAILED'
  | 'APPLY_REFUSED'
  | 'ROLL_FAILED'
  | 'OUTPUT_EXISTS'
  | 'IMPORT_NOT_FOUND'
  | 'IMPORT_SYNTAX'
  | 'IMPORT_NO_WEED'
  | 'IMPORT_UNSUPPORTED'
  | 'IMPORT_ENV_UNSET'
  | 'BIND_NOT_LOCAL'
  | 'CONFIG_NOT_FOUND'
  | 'KEY_ROTATION_REFUSED'
  | 'INTERRUPTED'

const exitFor: Record<ErrorCode, ExitCode> = {
  SPEC_NOT_FOUND: EXIT.badInput,
  SPEC_EXISTS: EXIT.badInput,
  SPEC_SYNTAX: EXIT.badInput,
  SPEC_UNKNOWN_KEY: EXIT.badInput,
  SPEC_TYPE: EXIT.badInput,
  SPEC_RANGE: EXIT.badInput,
  SPEC_FLAG_CONFLICT: EXIT.badInput,
  SPEC_WEED_ARG: EXIT.badInput,
  PLAN_PORT_COLLISION: EXIT.badInput,
  PLAN_PORT_RANGE: EXIT.badInput,
  PLAN_REPLICATION: EXIT.badInput,
  BAD_ARGUMENT: EXIT.badInput,
  UNKNOWN_COMMAND: EXIT.badInput,
  REUSE_MISMATCH: EXIT.badInput,
  UNKNOWN_PROCESS: EXIT.badInput,
  SCALE_REFUSED: EXIT.badInput,
  SHELL_FAILED: EXIT.failure,
  DRAIN_FAILED: EXIT.notHealthy,
  APPLY_REFUSED: EXIT.badInput,
  ROLL_FAILED: EXIT.notHealthy,
  CONFIRMATION_REQUIRED: EXIT.badInput,
  OUTPUT_EXISTS: EXIT.badInput,
  IMPORT_NOT_FOUND: EXIT.badInput,
  IMPORT_SYNTAX: EXIT.badInput,
  IMPORT_NO_WEED: EXIT.badInput,
  IMPORT_UNSUPPORTED: EXIT.badInput,
  IMPORT_ENV_UNSET: EXIT.badInput,
  KEY_ROTATION_REFUSED: EXIT.badInput,
  PORT_IN_USE: EXIT.environment,
  PORT_EPHEMERAL: EXIT.environment,
  BIND_NOT_LOCAL: EXIT.environment,
  CONFIG_NOT_FOUND: EXIT.badInput,
  DIR_NOT_WRITABLE: EXIT.environment,
  WEED_NOT_FOUND: EXIT.environment,
  WEED_NOT_EXECUTABLE: EXIT.environment,
  WEED_VERSION_MISMATCH: EXIT.environment,
  WEED_VERSION_UNSUPPORTED: EXIT.environment,
  WEED_INSTALL_FAILED: EXIT.environment,
  DAEMON_START_FAILED: EXIT.failure,
  DAEMON_UNREACHABLE: EXIT.busy,
  CLUSTER_LOCKED: EXIT.busy,
  NOT_READY: EXIT.notHealthy,
  PROCESS_FAILED: EXIT.notHealthy,
  CANARY_FAILED: EXIT.notHealthy,
  NOT_HEALTHY: EXIT.notHealthy,
  INTERRUPTED: EXIT.interrupted,
}

export interface ErrorDetails {
  /** What to do about it, one line each. */
  hints?: string[]
  /** Structured facts for --json (file, line, column, port, process…). */
  data?: Record<string, unknown>
  /** False when the failure happened after something had started (then the message says what was undone). */
  nothingChanged?: boolean
}

export class SeaweedctlError extends Error {
  readonly code: ErrorCode
  readonly exitCode: ExitCode
  readonly hints: string[]
  readonly data: Record<string, unknown>
  readonly nothingChanged: boolean

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message)
    this.name = 'SeaweedctlError'
    this.code = code
    this.exitCode = exitFor[code]
    this.hints = details.hints ?? []
    this.data = details.data ?? {}
    this.nothingChanged = details.nothingChanged ?? true
  }

  toJSON(): Record<string, unknown> {
    return {code: this.code, message: this.message, exit: this.exitCode, hints: this.hints, ...this.data}
  }
}

/** The error as a person reads it on stderr: the message, then what to do, indented under it. */
export function renderError(error: SeaweedctlError, debug = false): string {
  const [first, ...rest] = error.message.split('\n')
  const lines = [`Error: ${first}`, ...rest.map((l) => `       ${l}`), ...error.hints.map((h) => `       ${h}`)]
  if (debug && error.stack) lines.push(error.stack)
  return lines.join('\n')
}

export function isSeaweedctlError(error: unknown): error is SeaweedctlError {
  return error instanceof SeaweedctlError
}

/** A position in a source file, 1-based, as editors show it. */
export interface SourcePosition {
  file: string
  line: number
  column: number
}

export function formatPosition(pos: SourcePosition): string {
  return `${pos.file}:${pos.line}:${pos.column}`
}
