/** Parsing of the human units used in seaweed.yaml ("60s", "500ms", "2m"; "50MB", "1GiB"). */

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/
const DURATION_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/** Milliseconds, or undefined when the text is not a duration. A bare number means seconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined
  const match = DURATION.exec(value.trim())
  if (!match) return undefined
  return Math.round(Number(match[1]) * DURATION_MS[match[2]])
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i
const SIZE_BYTES: Record<string, number> = {
  b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
}

/** Bytes, or undefined when the text is not a size. A bare number means bytes. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined
  const match = SIZE.exec(value.trim())
  if (!match) return undefined
  return Math.round(Number(match[1]) * SIZE_BYTES[(match[2] ?? 'b').toLowerCase()])
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = ms / 1000
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${Math.floor(s % 60)}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h${m % 60}m`
  return `${Math.floor(h / 24)}d${h % 24}h`
}
