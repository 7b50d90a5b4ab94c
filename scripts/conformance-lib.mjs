// The pure parts of scripts/conformance.mjs: the suite's INI, weed mini's command line, reading pytest's JUnit XML,
// comparing two runs and the markdown report.

/** The suite's credential sections and the identity each one signs as (the first is seaweedctl's admin). */
export const SUITE_SECTIONS = [
  ['s3 main', 'admin'],
  ['s3 alt', 'alt'],
  ['s3 tenant', 'tenant'],
  ['iam', 'iam'],
  ['iam root', 'iamroot'],
  ['iam alt root', 'iamaltroot'],
]
export const SUITE_IDENTITIES = SUITE_SECTIONS.map(([, name]) => name)

/** The suite's identities with their keys, from `seaweedctl env --format json`. */
export function identitiesForSuite(env) {
  return SUITE_IDENTITIES.map((name) => {
    const found = env.identities?.[name]
    if (!found) throw new Error(`seaweedctl env --format json names no identity "${name}" (it has: ${Object.keys(env.identities ?? {}).join(', ') || 'none'})`)
    return {name, accessKeyId: found.accessKeyId, secretAccessKey: found.secretAccessKey}
  })
}

/** S3TEST_CONF for one target; `owners` maps an identity to the owner the server reports for its buckets. */
export function suiteIni(endpoint, identities, owners) {
  const byName = new Map(identities.map((i) => [i.name, i]))
  const lines = [
    '[DEFAULT]', `host = ${endpoint.hostname}`, `port = ${endpoint.port}`, 'is_secure = False', 'ssl_verify = False', '',
    '[fixtures]', 'bucket prefix = s3t-{random}-', 'iam name prefix = s3-tests-', 'iam path prefix = /s3-tests/', '',
  ]
  for (const [section, name] of SUITE_SECTIONS) {
    const identity = byName.get(name)
    const owner = owners[name] ?? {id: name, displayName: name}
    lines.push(`[${section}]`, `display_name = ${owner.displayName}`, `user_id = ${owner.id}`, `email = ${name}@example.com`,
      `access_key = ${identity.accessKeyId}`, `secret_key = ${identity.secretAccessKey}`)
    if (section === 's3 main') lines.push('api_name = default')
    if (section === 's3 tenant') lines.push('tenant = testx')
    lines.push('')
  }
  return lines.join('\n')
}

/**
 * `weed mini` on ports of its own: every listener it opens is named, so none lands on a default another test uses
 * (it also names unix sockets in /tmp after its ports).
 */
export function miniArgs(version, dir, base, s3Config) {
  const [major, minor] = version.split('.').map(Number)
  const atLeast = (ma, mi) => major > ma || (major === ma && minor >= mi)
  return [
    'mini', `-dir=${dir}/data`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1',
    `-master.port=${base + 333}`, `-volume.port=${base + 80}`, `-filer.port=${base + 888}`, `-s3.port=${base + 833}`,
    `-admin.port=${base + 646}`, `-webdav.port=${base + 733}`, `-debug.port=${base + 60}`, '-webdav=false', '-admin.ui=false',
    `-s3.config=${s3Config}`, '-s3.port.iceberg=0', '-master.telemetry=false',
    ...(atLeast(4, 43) ? ['-s3.port.lance=0'] : []),
  ]
}

/** Each test's outcome from pytest's JUnit XML (xunit1): passed, failed (failure or error) or skipped. */
export function parseJunit(xml) {
  const tests = {}
  const caseRe = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g
  for (const m of xml.matchAll(caseRe)) {
    const attrs = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], unescapeXml(a[2])]))
    const body = m[3] ?? ''
    const id = attrs.name
    let outcome = 'passed'
    let error = ''
    const bad = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body)
    if (bad) {
      outcome = 'failed'
      const message = /message="([^"]*)"/.exec(bad[2])?.[1]
      error = firstErrorLine(unescapeXml(bad[3] ?? ''), message ? unescapeXml(message) : '')
    } else if (/<skipped\b/.test(body)) outcome = 'skipped'
    // A test that failed in its teardown after passing is reported twice; the failure wins.
    if (tests[id]?.outcome === 'failed') continue
    tests[id] = {outcome, ...(error ? {error} : {})}
  }
  const counts = {passed: 0, failed: 0, skipped: 0}
  for (const t of Object.values(tests)) counts[t.outcome]++
  return {tests, counts}
}

/** The line that says what went wrong: pytest's `E   …` line, else the failure message. */
function firstErrorLine(text, message) {
  const e = text.split('\n').find((l) => /^E\s+\S/.test(l))
  const line = (e ? e.replace(/^E\s+/, '') : message || text.split('\n').find((l) => l.trim()) || '').trim()
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

function unescapeXml(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#10;/g, '\n').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&')
}

/** Tests that pass on one target and fail on the other (a skip on either side is no difference). */
export function compareResults(seaweedctl, mini) {
  const onlyMini = []
  const onlySeaweedctl = []
  const missing = []
  const both = []
  for (const id of Object.keys(mini.tests).sort()) {
    const a = seaweedctl.tests[id]
    const b = mini.tests[id]
    if (!a) {
      missing.push(id)
      continue
    }
    if (b.outcome === 'passed' && a.outcome === 'failed') onlyMini.push({id, error: a.error ?? ''})
    if (a.outcome === 'passed' && b.outcome === 'failed') onlySeaweedctl.push({id, error: b.error ?? ''})
    if (a.outcome === 'failed' && b.outcome === 'failed') both.push({id, error: a.error ?? ''})
  }
  return {onlyMini, onlySeaweedctl, missing, both}
}

export function renderReport(r) {
  const names = Object.keys(r.results)
  const row = (name) => {
    const {counts, seconds} = r.results[name]
    return `| ${name} | ${counts.passed} | ${counts.failed} | ${counts.skipped} | ${counts.passed + counts.failed + counts.skipped} | ${seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`} |`
  }
  const list = (items, other) => items.length === 0 ? ['None.', ''] : [`| test | first error line on ${other} |`, '|---|---|', ...items.map((t) => `| \`${t.id}\` | ${t.error.replace(/\|/g, '\\|') || '(none)'} |`), '']
  return [
    `# S3 conformance: seaweedctl and weed mini, weed ${r.version}, replication ${r.replication}`,
    '',
    `ceph's s3-tests (commit ${r.suiteCommit}, \`s3tests/functional/test_s3.py\`${r.subset ? `, the tests listed in \`${r.subset}\`` : ', every test'}), unmodified, run with`,
    `\`npm run conformance\` against \`seaweedctl up\` (4 volume servers, 1 filer, 1 S3 gateway, replication ${r.replication})`,
    'and `weed mini`, side by side on one machine, with the same identities and keys (the suite\'s INI comes from',
    '`seaweedctl env --format json`; owner ids are the ones each server reports in GetBucketAcl).',
    `Run ${r.date} from commit ${r.commit}, ${r.minutes} min in all.`,
    '',
    '| target | passed | failed | skipped | total | time |',
    '|---|---|---|---|---|---|',
    ...names.map(row),
    '',
    `## Pass on weed mini, fail on seaweedctl (${r.comparison.onlyMini.length})`,
    '',
    ...list(r.comparison.onlyMini, 'seaweedctl'),
    `## Pass on seaweedctl, fail on weed mini (${r.comparison.onlySeaweedctl.length})`,
    '',
    ...list(r.comparison.onlySeaweedctl, 'weed mini'),
    // The subset is tests that pass on seaweedctl with the newest weed: one that fails on both here is something
    // this weed version lacks (or does differently), and the report names it.
    ...(r.subset && r.comparison.both?.length > 0
      ? [`## Fail on both (${r.comparison.both.length}): what weed ${r.version} lacks or does differently`, '', ...list(r.comparison.both, 'seaweedctl')]
      : []),
    ...(r.comparison.missing.length > 0 ? [`Not reported for seaweedctl: ${r.comparison.missing.map((t) => `\`${t}\``).join(', ')}`, ''] : []),
  ].join('\n')
}
