// @ts-check
// The dashboard page: renders the daemon's view (server-sent events over fetch, so the token travels in a
// header, never in a URL) and sends the page's actions. No framework; nothing loaded from elsewhere.
import {$, h} from '/dom.js'
import {chooseLog, chosenLog, streamLog, updateLogChoice} from '/log-pane.js'
import {obtainToken, postJson, readEvents, sleep, Unauthorized} from '/transport.js'
import {formatDuration} from '/units.js'
import {renderGraphs} from '/graphs.js'

const CONFIRM_MS = 4000

/** @type {any} */
let view = null
/** What waits for a second click: "stop:volume-2", "scale-down". */
const confirming = new Map()
/** Requests sent and not yet answered (the feed shows the rest). */
const sending = new Set()

/** @param {string} path @param {unknown} body */
async function post(path, body = {}) {
  sending.add(path)
  render()
  try {
    const refused = await postJson(path, body)
    if (refused) flash(refused)
  } catch (error) {
    flash(`the daemon did not answer: ${/** @type {Error} */ (error).message}`)
  } finally {
    sending.delete(path)
    render()
  }
}

/** Follow the feed for as long as the page is open; reconnect when the daemon comes back. */
async function followFeed() {
  let delay = 500
  for (;;) {
    try {
      await readEvents('/api/events', undefined, (event, data) => {
        if (event === 'metrics') renderGraphs(data)
        if (event !== 'state') return
        view = data
        delay = 500
        connection('live', 'live')
        render()
      })
      connection('reconnecting', 'daemon closed the stream')
    } catch (error) {
      if (error instanceof Unauthorized) {
        connection('failed', 'token refused')
        banner(`This page's token is not valid for the running daemon (${error.message}). Run <code>seaweedctl dashboard</code> and open the URL it prints.`)
        return
      }
      console.warn('dashboard feed:', error)
      connection('reconnecting', view ? 'daemon not answering' : 'connecting')
    }
    await sleep(delay)
    delay = Math.min(delay * 2, 10_000)
  }
}

// ---------------------------------------------------------------- header, banner

/** @param {string} state @param {string} text */
function connection(state, text) {
  $('conn').dataset.state = state
  $('conn-text').textContent = text
  if (state === 'live') $('banner').hidden = true
  else if (state === 'reconnecting' && view) banner('Lost the connection to the supervisor daemon (was the cluster stopped?). Retrying…', false)
}

/** @param {string} html @param {boolean} [isHtml] */
function banner(html, isHtml = true) {
  const el = $('banner')
  if (isHtml) el.innerHTML = html // only ever our own fixed text
  else el.textContent = html
  el.hidden = false
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let flashTimer
/** @param {string} message */
function flash(message) {
  banner(message, false)
  clearTimeout(flashTimer)
  flashTimer = setTimeout(() => {
    $('banner').hidden = true
  }, 10_000)
}

// ---------------------------------------------------------------- rendering

const STOPPED_LIKE = new Set(['STOPPED', 'EXITED', 'FATAL'])

/** 19:42:07, whatever the browser's locale. @param {Date} date */
const clock = (date) => date.toTimeString().slice(0, 8)

/** Milliseconds since the view's report was read. */
const age = () => (view ? Math.max(0, Date.now() - view.reportAt) : 0)

/** @param {number | null} ms */
const since = (ms) => (ms === null || ms === undefined ? '–' : formatDuration(ms + age()))

function render() {
  if (!view) return
  const processes = view.processes
  const running = processes.filter((/** @type {any} */ p) => p.state === 'RUNNING').length
  document.title = `${running === processes.length ? '✔' : `${processes.length - running} not running ·`} ${view.cluster} · seaweedctl`
  $('cluster').textContent = view.cluster
  renderMeta()
  renderTiles(running)
  renderProcesses()
  renderTopology()
  renderS3()
  renderActivity()
  updateLogChoice(view.processes)
}

function renderMeta() {
  const weed = view.topology?.weedVersion ?? view.processes.find((/** @type {any} */ p) => p.weedVersion)?.weedVersion
  const meta = [
    ['weed', weed ?? '?'],
    ['master', view.endpoints.master.replace(/^http:\/\//, '')],
    ...(view.endpoints.filer ? [['filer', view.endpoints.filer.replace(/^http:\/\//, '')]] : []),
    ['daemon', view.daemon ? `pid ${view.daemon.pid}` : 'not running'],
  ]
  $('meta').replaceChildren(
    ...meta.map(([label, value]) => h('span', {}, `${label} `, h('b', {}, value))),
    ...(view.daemon ? [h('span', {}, 'up ', h('b', {'data-uptime': view.daemon.uptimeMs}, since(view.daemon.uptimeMs)))] : []),
  )
}

/** @param {number} running */
function renderTiles(running) {
  const processes = view.processes
  const down = processes.filter((/** @type {any} */ p) => p.state !== 'RUNNING')
  const masters = processes.filter((/** @type {any} */ p) => p.kind === 'master')
  const volumes = processes.filter((/** @type {any} */ p) => p.kind === 'volume')
  const topo = view.topology
  const listed = topo ? topo.dataCenters.flatMap((/** @type {any} */ dc) => dc.racks.flatMap((/** @type {any} */ r) => r.nodes)).length : 0
  const racks = topo ? topo.dataCenters.reduce((/** @type {number} */ n, /** @type {any} */ dc) => n + dc.racks.length, 0) : 0
  const tile = (/** @type {string} */ label, /** @type {any} */ value, /** @type {string} */ sub, /** @type {string} */ tone = '') =>
    h('div', {class: `tile ${tone}`}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value), h('div', {class: 'sub', title: sub}, sub))
  $('tiles').replaceChildren(
    tile('Processes', [String(running), h('small', {}, ` / ${processes.length} running`)],
      down.length ? down.map((/** @type {any} */ p) => `${p.name} ${p.state}`).join(', ') : 'all RUNNING', down.length ? (down.some((/** @type {any} */ p) => ['FATAL', 'EXITED', 'UNHEALTHY'].includes(p.state)) ? 'bad' : 'warn') : 'ok'),
    tile('Leader', h('span', {class: 'leader'}, view.leader ?? 'none'), `${masters.length} master${masters.length === 1 ? '' : 's'}`, view.leader ? '' : 'bad'),
    tile('Volume servers', [String(listed), h('small', {}, ` / ${volumes.length} listed`)],
      topo ? `${topo.dataCenters.length} data center${topo.dataCenters.length === 1 ? '' : 's'}, ${racks} rack${racks === 1 ? '' : 's'}` : view.topologyError ?? 'topology not read yet', listed === volumes.length ? '' : 'warn'),
    tile('Volumes', topo ? String(topo.volumes) : '–', topo ? `${topo.free} free slots of ${topo.max}` : ''),
    tile('S3 buckets', view.s3 ? (view.s3.buckets ? String(view.s3.buckets.length) : '?') : '–', view.s3 ? view.s3.endpoint.replace(/^http:\/\//, '') : 'no S3 gateway'),
  )
  $('processes-note').textContent = `updated ${clock(new Date())}`
}

/** The activity entry for `title` that is still running, if any. */
const runningActivity = (/** @type {string} */ title) => view.activity.find((/** @type {any} */ a) => a.state === 'running' && a.title === title)

function renderProcesses() {
  const rows = view.processes.map((/** @type {any} */ p) => {
    const busy = ['start', 'stop', 'restart'].some((a) => runningActivity(`${a} ${p.name}`) || sending.has(`/api/processes/${p.name}/${a}`))
    const isLeader = p.kind === 'master' && view.leader && p.address === view.leader
    const stopped = STOPPED_LIKE.has(p.state)
    const confirmStop = confirming.has(`stop:${p.name}`)
    return h('tr', {'data-process': p.name, 'data-state': p.state, class: p.name === chosenLog() ? 'selected' : ''},
      h('td', {}, h('span', {class: 'name'}, p.name), h('span', {class: 'kind'}, p.kind), isLeader ? h('span', {class: 'badge'}, 'leader') : null),
      h('td', {}, h('span', {class: 'state', 'data-state': p.state}, p.state)),
      h('td', {class: 'num'}, p.pid ?? '–'),
      h('td', {class: 'num', 'data-uptime': p.uptimeMs ?? undefined}, since(p.uptimeMs)),
      h('td', {class: 'addr'}, p.address),
      h('td', {class: 'num'}, p.ports.grpc),
      h('td', {class: `num ${p.restarts > 0 ? 'restarts-nonzero' : ''}`}, p.restarts),
      h('td', {class: 'health'}, p.health || '–'),
      h('td', {class: 'restart'}, p.lastRestart ? [h('b', {'data-uptime': p.lastRestart.agoMs}, since(p.lastRestart.agoMs)), ' ago: ', p.lastRestart.reason] : '–'),
      h('td', {class: 'actions'},
        h('button', {type: 'button', class: 'btn link', 'data-action': 'logs', onclick: () => chooseLog(p.name)}, 'Log'),
        h('button', {type: 'button', class: 'btn', 'data-action': 'restart', disabled: busy || p.state === 'STOPPING', onclick: () => post(`/api/processes/${p.name}/restart`)}, busy ? '…' : 'Restart'),
        stopped
          ? h('button', {type: 'button', class: 'btn', 'data-action': 'start', disabled: busy, onclick: () => post(`/api/processes/${p.name}/start`)}, 'Start')
          : h('button', {type: 'button', class: `btn danger ${confirmStop ? 'confirm' : ''}`, 'data-action': 'stop', disabled: busy || p.state === 'STOPPING',
            onclick: () => twice(`stop:${p.name}`, () => post(`/api/processes/${p.name}/stop`))}, confirmStop ? 'Confirm stop' : 'Stop'),
      ),
    )
  })
  $('processes').querySelector('tbody')?.replaceChildren(...rows)
}

/** Destructive actions take a second click within a few seconds. @param {string} key @param {() => void} action */
function twice(key, action) {
  if (confirming.has(key)) {
    clearTimeout(confirming.get(key))
    confirming.delete(key)
    action()
  } else {
    confirming.set(key, setTimeout(() => {
      confirming.delete(key)
      render()
    }, CONFIRM_MS))
  }
  render()
}

function renderTopology() {
  const volumes = view.processes.filter((/** @type {any} */ p) => p.kind === 'volume')
  const topo = view.topology
  $('volume-count').textContent = String(volumes.length)
  const last = volumes.at(-1)
  const scaleBusy = view.scaling || sending.has('/api/scale')
  const down = /** @type {HTMLButtonElement} */ ($('scale-down'))
  const up = /** @type {HTMLButtonElement} */ ($('scale-up'))
  down.disabled = scaleBusy || volumes.length <= 1
  up.disabled = scaleBusy
  const confirmDown = confirming.has('scale-down')
  down.classList.toggle('confirm', confirmDown)
  down.textContent = confirmDown && last ? `Drain and stop ${last.name}` : '−1'
  $('topology-note').textContent = topo ? `from ${topo.master.replace(/^http:\/\//, '')}/dir/status` : ''
  if (!topo) {
    $('topology').replaceChildren(h('div', {class: 'empty'}, view.topologyError ?? 'reading the topology…'))
    return
  }
  const listed = new Set(topo.dataCenters.flatMap((/** @type {any} */ dc) => dc.racks.flatMap((/** @type {any} */ r) => r.nodes.map((/** @type {any} */ n) => n.process))))
  const plural = (/** @type {number} */ n, /** @type {string} */ word) => `${n} ${word}${n === 1 ? '' : 's'}`
  const dcs = topo.dataCenters.map((/** @type {any} */ dc) => h('div', {class: 'dc'},
    h('div', {class: 'dc-head'}, 'data center ', h('b', {}, dc.id)),
    h('div', {class: 'racks'}, dc.racks.map((/** @type {any} */ rack) => h('div', {class: 'rack'},
      h('div', {class: 'rack-head'}, 'rack ', h('b', {}, rack.id), ` · ${plural(rack.nodes.length, 'server')}`),
      h('div', {class: 'nodes'}, rack.nodes.map(renderNode)))))))
  const missing = volumes.filter((/** @type {any} */ p) => !listed.has(p.name))
  const notListed = missing.length ? [h('div', {class: 'empty'}, `not listed by the master: ${missing.map((/** @type {any} */ p) => `${p.name} (${p.state})`).join(', ')}`)] : []
  $('topology').replaceChildren(...dcs, ...notListed)
  // Widths through the CSSOM: the page's policy allows no inline style attributes.
  for (const bar of /** @type {NodeListOf<HTMLElement>} */ ($('topology').querySelectorAll('[data-width]'))) bar.style.width = `${bar.dataset.width}%`
}

/** One volume server as the master lists it. @param {any} node */
function renderNode(node) {
  const used = node.max > 0 ? Math.min(100, (node.volumes / node.max) * 100) : 0
  return h('div', {class: 'node', 'data-node': node.url, 'data-process': node.process ?? ''},
    h('div', {class: 'node-head'}, h('b', {}, node.process ?? 'not in this cluster'), h('span', {class: 'addr'}, node.url)),
    h('div', {class: 'bar', title: `${node.volumes} of ${node.max} volume slots used`}, h('span', {'data-width': used.toFixed(1)})),
    h('div', {class: 'node-foot'},
      h('span', {}, h('b', {}, node.volumes), ` volume${node.volumes === 1 ? '' : 's'}${node.ecShards ? ` · ${node.ecShards} EC shards` : ''}`),
      h('span', {}, h('b', {}, node.free), ' free slots')))
}

function renderS3() {
  const s3 = view.s3
  if (!s3) {
    $('s3').replaceChildren(h('div', {class: 'empty'}, 'No S3 gateway in this cluster (s3.count: 0).'))
    return
  }
  const rows = [['endpoint', s3.endpoint], ...(s3.region ? [['region', s3.region]] : []), ...(s3.accessKeyId ? [['access key', s3.accessKeyId]] : [])]
  $('s3').replaceChildren(
    h('dl', {}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    s3.buckets === null
      ? h('div', {class: 'empty'}, 'buckets: not known (the filer does not answer)')
      : s3.buckets.length === 0
        ? h('div', {class: 'empty'}, 'no buckets yet')
        : h('ul', {class: 'buckets'}, s3.buckets.map((/** @type {string} */ b) => h('li', {}, b))),
  )
}

function renderActivity() {
  if (view.activity.length === 0) {
    $('activity').replaceChildren(h('li', {class: 'empty'}, 'Nothing started from this page yet.'))
    return
  }
  $('activity').replaceChildren(...view.activity.map((/** @type {any} */ a) => {
    const started = new Date(a.startedAt)
    const took = a.endedAt ? ` · ${formatDuration(new Date(a.endedAt).getTime() - started.getTime())}` : ' · running'
    return h('li', {'data-state': a.state, 'data-activity': a.title},
      h('div', {class: 'title'}, h('b', {}, `${a.state === 'failed' ? '✖' : a.state === 'done' ? '✔' : '…'} ${a.title}`), h('span', {class: 'when'}, `${clock(started)}${took}`)),
      a.lines.length ? h('div', {class: 'lines'}, a.lines.slice(-8).join('\n')) : null)
  }))
}

function tick() {
  if (!view) return
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-uptime]'))) el.textContent = since(Number(el.dataset.uptime))
}

// ---------------------------------------------------------------- start

async function main() {
  $('scale-up').addEventListener('click', () => post('/api/scale', {kind: 'volume', delta: 1}))
  $('scale-down').addEventListener('click', () => twice('scale-down', () => post('/api/scale', {kind: 'volume', delta: -1})))
  $('log-process').addEventListener('change', (e) => chooseLog(/** @type {HTMLSelectElement} */ (e.target).value))
  $('log-follow').addEventListener('change', () => void streamLog())
  if (!(await obtainToken())) {
    connection('failed', 'no token')
    banner('This page needs its token: run <code>seaweedctl dashboard</code> and open the URL it prints.')
    return
  }
  setInterval(tick, 1000)
  await followFeed()
}

void main()
