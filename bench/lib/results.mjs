// bench/results/latest.json (an array of metric entries), latest.md (a table)
// and history/<timestamp>.json, so runs can be compared over time.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'

const roundTo = (x, digits) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)))
/** Three significant-ish digits: 0.0412, 1.23, 345, 23456. */
const tidy = (x) => {
  if (x == null || !Number.isFinite(x)) return null
  const a = Math.abs(x)
  return roundTo(x, a >= 100 ? 1 : a >= 1 ? 3 : 4)
}

/** Fills in the fixed shape: baseline fields null when there is none; ratio = value / baselineValue. */
export function finalize(entries, mode) {
  return entries.map((e) => {
    const value = tidy(e.value)
    const baselineValue = e.baseline != null ? tidy(e.baselineValue) : null
    return {
      metric: e.metric,
      value,
      unit: e.unit,
      baseline: baselineValue != null ? e.baseline : null,
      baselineValue,
      ratio:
        value != null && baselineValue != null && baselineValue !== 0
          ? roundTo(value / baselineValue, 3)
          : null,
      params: { ...e.params, mode }
    }
  })
}

const keyOf = (e) => `${e.metric}@${e.params?.nodes ?? ''}`

function previousRun(historyDir, mode) {
  if (!existsSync(historyDir)) return null
  const files = readdirSync(historyDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .reverse()
  for (const f of files) {
    try {
      const entries = JSON.parse(readFileSync(join(historyDir, f), 'utf8'))
      if (Array.isArray(entries) && entries.some((e) => e.params?.mode === mode))
        return { file: f, byKey: new Map(entries.map((e) => [keyOf(e), e])) }
    } catch {
      /* skip a broken file */
    }
  }
  return null
}

function gitDescribe(cwd) {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'apps'], {
      cwd,
      encoding: 'utf8'
    }).trim()
    return dirty !== '' ? `${sha} + uncommitted changes in packages/apps` : sha
  } catch {
    return 'unknown'
  }
}

const fmt = (x) => (x == null ? '–' : String(x))

function goalNote(e) {
  const p = e.params ?? {}
  if (e.value == null) return ''
  if (p.goalPerS != null)
    return `goal ≥ ${p.goalPerS} ${e.unit}: ${e.value >= p.goalPerS ? 'met' : 'NOT met'}`
  const goal = p.goalMs ?? p.goalMb
  if (goal == null) return ''
  return `goal ≤ ${goal} ${e.unit}: ${e.value <= goal ? 'met' : 'NOT met'}`
}

function notes(e) {
  const p = e.params ?? {}
  const parts = []
  const goal = goalNote(e)
  if (goal !== '') parts.push(goal)
  if (p.vsRawTcp != null) parts.push(`${p.vsRawTcp}× raw TCP`)
  if (p.p99 != null && !e.metric.includes('p99')) parts.push(`p99 ${tidy(p.p99)}`)
  if (p.samples != null) parts.push(`${p.samples} samples`)
  else if (p.rounds != null) parts.push(`${p.rounds} rounds`)
  else if (Array.isArray(p.perRun)) parts.push(`runs: ${p.perRun.map((x) => Math.round(x)).join(', ')}`)
  if (p.failedRuns) parts.push(`${p.failedRuns} run(s) never fully connected`)
  if (p.falsePeerDead) parts.push(`${p.falsePeerDead} false peer_dead among live nodes`)
  if (p.missed) parts.push(`${p.missed} missed`)
  if (p.misses) parts.push(`${p.misses} misses`)
  if (p.incomplete) parts.push(`${p.incomplete} incomplete`)
  if (p.natsUnavailable != null) parts.push(`NATS unavailable: ${p.natsUnavailable}`)
  if (p.problems?.length > 0) parts.push(`${p.problems.length} problem(s)`)
  return parts.join('; ')
}

export function renderMarkdown(entries, meta, previous) {
  const headline = entries.filter((e) => e.params?.nodes == null || e.params.nodes === meta.headlineNodes)
  const prevCell = (e) => {
    const p = previous?.byKey.get(keyOf(e))
    return p == null ? '–' : fmt(p.value)
  }
  const lines = [
    `# mesh-node benchmark: ${meta.mode} run`,
    '',
    `- when: ${meta.startedAt}, took ${meta.durationS} s (\`${meta.command}\`)`,
    `- code: ${meta.commit}; Node ${meta.node}; ${meta.cpus} × ${meta.cpuModel}`,
    `- network: ${meta.network}`,
    `- previous (same mode): ${previous?.file ?? 'none'}`,
    '',
    `Ratio = value / baseline value, both measured in this run: for latencies (ms) **below 1 is better**, for throughput (/s) **above 1 is better**. Latency percentiles pool every sample of every run after warm-up; per-run figures (discovery, throughput, failure, memory) report the median of the runs. Rows with a node count show the ${meta.headlineNodes}-node mesh; the scaling table has the others.`,
    '',
    '| metric | value | unit | baseline | baseline value | ratio | previous | notes |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | --- |'
  ]
  for (const e of headline) {
    lines.push(
      `| \`${e.metric}\` | ${fmt(e.value)} | ${e.unit} | ${fmt(e.baseline)} | ${fmt(e.baselineValue)} | ${fmt(e.ratio)} | ${prevCell(e)} | ${notes(e)} |`
    )
  }
  const sizes = [...new Set(entries.filter((e) => e.params?.nodes != null).map((e) => e.params.nodes))].sort(
    (a, b) => a - b
  )
  if (sizes.length > 0) {
    const at = (metric, n) => entries.find((e) => e.metric === metric && e.params?.nodes === n)
    lines.push(
      '',
      '## Scaling curve',
      '',
      '| nodes | worker processes | `discovery.full_mesh_ms` (runs not connected) | registries complete (ms) | `gossip.propagation_p50_ms` | `gossip.propagation_p99_ms` | gossip samples (missed) | idle CPU per node (% of a core) | false `peer_dead` |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |'
    )
    for (const n of sizes) {
      const d = at('discovery.full_mesh_ms', n)
      const g50 = at('gossip.propagation_p50_ms', n)
      const g99 = at('gossip.propagation_p99_ms', n)
      const cpu = at('cpu.idle_core_percent_per_node', n)
      lines.push(
        `| ${n} | ${fmt(d?.params.workers)} | ${fmt(d?.value)} (${fmt(d?.params.failedRuns)}) | ${fmt(d?.params.registriesCompleteMs)} | ${fmt(g50?.value)} | ${fmt(g99?.value)} | ${fmt(g50?.params.samples)} (${fmt(g50?.params.missed)}) | ${fmt(cpu?.value)} | ${fmt(d?.params.falsePeerDead)} |`
      )
    }
  }
  if (meta.notes.length > 0) lines.push('', '## Notes from this run', '', ...meta.notes.map((n) => `- ${n}`))
  return lines.join('\n') + '\n'
}

export function writeResults(dir, entries, meta) {
  const historyDir = join(dir, 'history')
  mkdirSync(historyDir, { recursive: true })
  const previous = previousRun(historyDir, meta.mode)
  const stamp = meta.startedAt.replace(/[:.]/g, '-')
  const latest = join(dir, 'latest.json')
  writeFileSync(latest, JSON.stringify(entries, null, 2) + '\n')
  copyFileSync(latest, join(historyDir, `${stamp}-${meta.mode}.json`))
  const md = renderMarkdown(entries, meta, previous)
  writeFileSync(join(dir, 'latest.md'), md)
  return { md, historyFile: join(historyDir, `${stamp}-${meta.mode}.json`) }
}

export function machineMeta(cwd) {
  const cpu = cpus()
  return {
    commit: gitDescribe(cwd),
    node: process.versions.node,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? '?'
  }
}
