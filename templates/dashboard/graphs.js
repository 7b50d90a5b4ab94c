// @ts-check
// Live graphs from the processes' Prometheus endpoints: the daemon reads each one once per sample (5 s) while a
// page is open and sends aligned series; a missing point (nothing read, a restart) is a gap, never a guess.
import {$, h} from '/dom.js'

const SVG = 'http://www.w3.org/2000/svg'
const W = 120
const H = 28

/** @param {number | null} v @param {string} unit */
function fmt(v, unit) {
  if (v === null || v === undefined) return '–'
  if (unit === 'B' || unit === 'B/s') {
    const steps = ['', 'K', 'M', 'G', 'T']
    let i = 0
    let x = v
    while (x >= 1024 && i < steps.length - 1) { x /= 1024; i++ }
    return `${x.toFixed(x >= 10 || i === 0 ? 0 : 1)} ${steps[i]}${unit}`
  }
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(v === 0 ? 0 : 2)}${unit}`
}

/**
 * A sparkline of `values` (nulls break the line), scaled to its own maximum.
 * @param {string} series @param {Array<number | null>} values @param {string} unit
 */
function sparkline(series, values, unit) {
  const known = values.filter((v) => v !== null)
  const max = known.length > 0 ? Math.max(...known) : 0
  const min = unit === 'B' && known.length > 0 ? Math.min(...known) : 0
  const span = max - min || 1
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
  svg.setAttribute('width', String(W))
  svg.setAttribute('height', String(H))
  svg.setAttribute('class', 'spark')
  svg.setAttribute('data-series', series)
  svg.setAttribute('data-max', String(max))
  svg.setAttribute('data-points', String(known.length))
  const step = values.length > 1 ? W / (values.length - 1) : W
  /** @type {string[]} */
  let run = []
  const flush = () => {
    if (run.length > 0) {
      const line = document.createElementNS(SVG, 'polyline')
      line.setAttribute('points', run.length === 1 ? `${run[0]} ${run[0].replace(/^[\d.]+/, (x) => String(Number(x) + 1))}` : run.join(' '))
      line.setAttribute('fill', 'none')
      line.setAttribute('stroke', 'currentColor')
      line.setAttribute('stroke-width', '1.5')
      svg.append(line)
    }
    run = []
  }
  values.forEach((v, i) => {
    if (v === null) return flush()
    run.push(`${(i * step).toFixed(1)},${(H - 2 - ((v - min) / span) * (H - 4)).toFixed(1)}`)
  })
  flush()
  const last = [...values].reverse().find((v) => v !== null) ?? null
  return h('span', {class: 'graph'}, svg, h('span', {class: 'graph-value mono', 'data-value': series}, fmt(last, unit)))
}

/** @param {any} m */
export function renderGraphs(m) {
  const card = $('metrics')
  if (!m || m.times.length === 0) {
    card.replaceChildren(h('p', {class: 'muted'}, 'waiting for the first read of the processes\' metrics…'))
    return
  }
  const seconds = Math.round((m.times.at(-1) - m.times[0]) / 1000)
  $('metrics-note').textContent = `last ${seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`} · a point every ${m.intervalMs / 1000}s · ${new Date(m.times[0]).toLocaleTimeString()}–${new Date(m.times.at(-1)).toLocaleTimeString()}`
  const rows = m.processes.map((/** @type {any} */ p) => h('tr', {'data-metrics': p.name},
    h('td', {class: 'mono'}, p.name),
    h('td', {}, p.kind === 'master' ? h('span', {class: 'muted'}, 'no request counter') : sparkline(`${p.name}:requests`, p.requests, '/s')),
    h('td', {}, p.kind === 'master' ? '' : sparkline(`${p.name}:errors`, p.errors, '/s')),
    h('td', {}, p.kind === 's3' ? [sparkline(`${p.name}:bytesIn`, p.bytesIn, 'B/s'), sparkline(`${p.name}:bytesOut`, p.bytesOut, 'B/s')] : ''),
    h('td', {}, p.kind === 'volume' ? sparkline(`${p.name}:diskUsed`, p.diskUsed, 'B') : ''),
  ))
  const statuses = Object.entries(m.s3ByStatus).map(([code, values]) => h('div', {class: 'cluster-graph'}, h('span', {class: 'mono'}, `S3 ${code}`), sparkline(`s3:${code}`, /** @type {any} */ (values), '/s')))
  card.replaceChildren(
    h('table', {class: 'graphs'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Process'), h('th', {}, 'Requests/s'), h('th', {}, 'Errors/s (5xx)'), h('th', {}, 'S3 bytes in / out'), h('th', {}, 'Disk used (filesystem)'))),
      h('tbody', {}, rows)),
    h('div', {class: 'cluster-graphs'},
      h('div', {class: 'cluster-graph'}, h('span', {class: 'mono'}, "leader's volumes"), sparkline('leader:volumes', m.leaderVolumes, '')),
      statuses),
  )
}
