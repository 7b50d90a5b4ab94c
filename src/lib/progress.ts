/**
 * A command run with SEAWEEDCTL_PROGRESS=stderr and --json writes its progress lines ("starting volume-5",
 * "volume-5 drained in 3.1s") to stderr, one per line, as they happen; stdout still holds only the JSON result.
 * Without it, --json commands print nothing but the result. The dashboard runs commands this way.
 */
export const PROGRESS_ENV = 'SEAWEEDCTL_PROGRESS'
