// Reads a daemon's /metrics (Prometheus text) over its API, as a scraper
// would, so the bench can show that the counters move while it works.

/** Every sample of a scrape: `name{labels}` -> value. */
export async function scrapeMetrics(apiUrl, token) {
  const res = await fetch(`${apiUrl}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000)
  })
  if (!res.ok) throw new Error(`GET ${apiUrl}/metrics: HTTP ${res.status}`)
  const samples = new Map()
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    const value = Number(line.slice(at + 1))
    if (Number.isFinite(value)) samples.set(line.slice(0, at), value)
  }
  return samples
}

/** The task counters: accepted, finished, attempts and executions. */
const TASK_COUNTER = /^mesh_(tasks_accepted|tasks|task_attempts|executions)_total(\{|$)/

/** How much each task counter moved between two scrapes (only those that moved). */
export function taskCounterDeltas(before, after) {
  const out = []
  for (const [series, value] of after) {
    if (!TASK_COUNTER.test(series)) continue
    const delta = value - (before.get(series) ?? 0)
    if (delta !== 0) out.push({ series, delta })
  }
  return out.sort((a, b) => a.series.localeCompare(b.series))
}

/**
 * Runs a suite between two scrapes of one daemon, prints the task counters'
 * deltas, and fails the suite if none moved: a /metrics that does not count
 * the work the bench just did is broken.
 */
export async function withTaskCounters(daemon, what, log, fn) {
  const before = await scrapeMetrics(daemon.apiUrl, daemon.token)
  const result = await fn()
  const deltas = taskCounterDeltas(before, await scrapeMetrics(daemon.apiUrl, daemon.token))
  log(`/metrics of ${daemon.name ?? daemon.peerId} during ${what}:`)
  for (const d of deltas) log(`  ${d.series} +${d.delta}`)
  if (deltas.length === 0)
    throw new Error(`no task counter on /metrics of ${daemon.name ?? daemon.peerId} moved during ${what}`)
  return result
}
