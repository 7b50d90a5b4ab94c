// @ts-check
// The log pane: the chosen process's last lines, then each new line as the daemon sees it written.
import {$, h} from '/dom.js'
import {readEvents, sleep, Unauthorized} from '/transport.js'

const LOG_LINES = 300
const LOG_KEEP = 2000

/** @type {any[]} */
let known = []
let selectedLog = ''
/** @type {AbortController | null} */
let logStream = null

/** The process whose log is shown. */
export const chosenLog = () => selectedLog

/** Offer every process; follow the first when none is chosen yet. @param {any[]} processes */
export function updateLogChoice(processes) {
  known = processes
  const select = /** @type {HTMLSelectElement} */ ($('log-process'))
  const names = processes.map((/** @type {any} */ p) => p.name)
  if ([...select.options].map((o) => o.value).join() !== names.join()) {
    select.replaceChildren(...names.map((/** @type {string} */ n) => h('option', {value: n}, n)))
  }
  if (!selectedLog || !names.includes(selectedLog)) chooseLog(names[0])
  else select.value = selectedLog
}

/** @param {string} name */
export function chooseLog(name) {
  if (!name) return
  const changed = name !== selectedLog
  selectedLog = name
  const select = /** @type {HTMLSelectElement} */ ($('log-process'))
  select.value = name
  const process = known.find((/** @type {any} */ p) => p.name === name)
  $('log-file').textContent = process?.logFile ?? ''
  for (const row of document.querySelectorAll('tr[data-process]')) row.classList.toggle('selected', /** @type {HTMLElement} */ (row).dataset.process === name)
  if (changed) void streamLog()
}

/** Show the chosen log's last lines and, with follow on, every line written after them. */
export async function streamLog() {
  logStream?.abort()
  const controller = new AbortController()
  logStream = controller
  const pre = $('log')
  pre.replaceChildren()
  if (!/** @type {HTMLInputElement} */ ($('log-follow')).checked) return
  let delay = 1000
  while (!controller.signal.aborted) {
    try {
      let first = true
      await readEvents(`/api/logs?name=${encodeURIComponent(selectedLog)}&lines=${LOG_LINES}`, controller.signal, (event, lines) => {
        if (event !== 'lines') return
        if (first) pre.replaceChildren()
        first = false
        appendLog(lines)
        delay = 1000
      })
    } catch (error) {
      if (controller.signal.aborted || error instanceof Unauthorized) return
    }
    await sleep(delay)
    delay = Math.min(delay * 2, 10_000)
  }
}

/** @param {string[]} lines */
function appendLog(lines) {
  const pre = $('log')
  const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40
  // glog lines start with their severity: I, W, E or F and the date.
  pre.append(...lines.map((line) => h('div', {class: /^[EF]\d{4} /.test(line) ? 'E' : /^W\d{4} /.test(line) ? 'W' : undefined}, line || ' ')))
  while (pre.childElementCount > LOG_KEEP) pre.firstElementChild?.remove()
  if (atBottom) pre.scrollTop = pre.scrollHeight
}
