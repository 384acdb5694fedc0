// Discovery, gossip propagation and DHT lookups at several mesh sizes. The
// nodes are full in-process daemons spread over a few worker processes.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { Cluster } from '../lib/cluster.mjs'
import { log, median, now, percentile, round, sleep, summarize, waitFor } from '../lib/util.mjs'

const agentsFor = (i) => [
  {
    name: 'echo',
    capabilities: ['echo', `cap-${i}`],
    capacity: 16,
    handler: { kind: 'builtin', name: 'echo' }
  }
]

/** 2 workers use both cores; 40 nodes get 4 workers of 10. */
export const workersFor = (n) =>
  Number(process.env.BENCH_WORKERS) || Math.min(4, Math.max(2, Math.ceil(n / 10)))

async function waitDiscovery(cluster, n, t0, timeoutMs) {
  try {
    const status = await waitFor(
      async () => {
        const s = await cluster.status()
        return s.length === n && s.every((x) => x.fullAt != null) ? s : null
      },
      { timeoutMs, intervalMs: 50, what: `${n} nodes fully connected` }
    )
    return { ms: Math.max(...status.map((x) => x.fullAt)) - t0 }
  } catch {
    const s = await cluster.status()
    const short = s.filter((x) => x.fullAt == null).map((x) => `${x.index}:${x.peers}`)
    return { ms: null, short }
  }
}

async function waitRegistry(cluster, n, t0, timeoutMs) {
  try {
    const status = await waitFor(
      async () => {
        const s = await cluster.status()
        return s.every((x) => x.registryFullAt != null) ? s : null
      },
      { timeoutMs, intervalMs: 50, what: `${n} registries complete` }
    )
    return Math.max(...status.map((x) => x.registryFullAt)) - t0
  } catch {
    return null
  }
}

/** One state change: from its publish on `index` to its arrival on every other node. */
async function propagationSample(cluster, n, index, peerIds) {
  const { incarnation, seq, t0 } = await cluster.announce(index)
  const deadline = performance.now() + 3000
  let arrivals = []
  await sleep(5)
  while (performance.now() < deadline) {
    arrivals = await cluster.arrivals(peerIds[index], incarnation, seq)
    if (arrivals.length === n - 1 && arrivals.every((a) => a.at != null)) {
      const deltas = arrivals.map((a) => a.at - t0)
      return { all: Math.max(...deltas), deltas }
    }
    await sleep(15)
  }
  return { all: null, missing: arrivals.filter((a) => a.at == null).length }
}

/** A small mesh on every worker, not recorded, so the first measured run does not pay for cold code. */
async function warmUp(cluster, root, sizes) {
  const warmWorkers = Math.max(...sizes.map(workersFor))
  log(`scaling: warm-up mesh of 6 nodes on ${warmWorkers} worker processes`)
  await cluster.ensureWorkers(warmWorkers)
  const warmRoot = join(root, 'scale-warmup')
  await cluster.start({
    n: 6,
    workerCount: warmWorkers,
    tag: `bench-${process.pid}-warm`,
    specFor: (i) => ({ root: warmRoot, name: `w${i}`, agents: agentsFor(i) })
  })
  await waitDiscovery(cluster, 6, now(), 20_000)
  await cluster.stopNodes()
  rmSync(warmRoot, { recursive: true, force: true })
}

export async function scalingSuite({ root, warmup, sizes, runsFor, gossipSamples, dhtNodes, dhtSamples }) {
  const out = []
  const cluster = new Cluster()
  try {
    if (warmup) await warmUp(cluster, root, sizes)
    for (const n of sizes) {
      const runs = runsFor(n)
      const workerCount = workersFor(n)
      const disc = []
      const registry = []
      const starts = []
      const gossip = []
      const perNode = []
      const runP50 = []
      const dht = []
      const idleCpu = []
      let falseDead = 0
      let missed = 0
      let discoveryFailures = 0
      let dhtMisses = 0
      for (let r = 0; r < runs; r++) {
        const tag = `bench-${process.pid}-n${n}-r${r}`
        const runRoot = join(root, `scale-${n}-${r}`)
        log(`scaling: ${n} nodes, run ${r + 1}/${runs} (${workerCount} worker processes)`)
        await cluster.ensureWorkers(workerCount)
        const t0 = now()
        const peerIds = await cluster.start({
          n,
          workerCount,
          tag,
          specFor: (i) => ({ root: runRoot, name: `n${i}`, agents: agentsFor(i) })
        })
        starts.push(now() - t0)
        try {
          const d = await waitDiscovery(cluster, n, t0, 60_000)
          if (d.ms == null) {
            discoveryFailures++
            log(`  ! not fully connected after 60 s; short: ${d.short.join(' ')}`)
          } else disc.push(d.ms)
          const reg = await waitRegistry(cluster, n, t0, 30_000)
          const dead = (await cluster.status()).reduce((a, x) => a + x.deadEvents, 0)
          if (dead > 0) {
            falseDead += dead
            log(`  ! ${dead} peer_dead events among live nodes so far`)
          }
          if (reg != null) registry.push(reg)
          log(
            `  started in ${round(starts.at(-1), 0)} ms, full mesh ${round(d.ms, 0)} ms, registries ${round(reg, 0)} ms`
          )
          // Let gossipsub's meshes form (its heartbeat is 1 s) before timing
          // it; meanwhile, the background CPU of the idle mesh.
          await sleep(500)
          const c0 = await cluster.cpuMicros()
          const w0 = performance.now()
          await sleep(1500)
          const c1 = await cluster.cpuMicros()
          idleCpu.push(((c1 - c0) / 1000 / (performance.now() - w0) / n) * 100)
          await cluster.watch(peerIds)
          if (process.env.BENCH_DEBUG) {
            const st = await cluster.status()
            log(
              `  received ${st.map((x) => x.received)} mesh ${st.map((x) => x.meshPeers)} topic ${st.map((x) => x.topicPeers)}`
            )
          }
          const warmup = 3
          const samples = []
          let consecutiveMisses = 0
          for (let s = 0; s < warmup + gossipSamples; s++) {
            if (consecutiveMisses >= 5) {
              missed += warmup + gossipSamples - s
              log(`  ! 5 state changes in a row did not reach every node: skipping the rest of this run`)
              break
            }
            const index = (s * 7 + r) % n
            const res = await propagationSample(cluster, n, index, peerIds)
            consecutiveMisses = res.all == null ? consecutiveMisses + 1 : 0
            if (process.env.BENCH_DEBUG)
              log(
                `    change ${s} from node ${index}: ${round(res.all)} ms, ${round((now() - t0) / 1000, 1)} s after start`
              )
            if (s < warmup) continue
            if (res.all == null) {
              missed++
              if (process.env.BENCH_DEBUG) log(`  ! change from node ${index} missed by ${res.missing} nodes`)
            } else {
              samples.push(res.all)
              perNode.push(...res.deltas)
            }
            await sleep(40 + Math.random() * 80)
          }
          gossip.push(...samples)
          runP50.push(
            round(
              percentile(
                [...samples].sort((a, b) => a - b),
                50
              )
            )
          )
          log(`  gossip to all ${n}: p50 ${round(runP50.at(-1))} ms over ${samples.length} changes`)

          if (n === dhtNodes) {
            const lookups = []
            for (let s = 0; s < dhtSamples + 2; s++) {
              const q = (s * 3 + r) % n
              const p = (q + 1 + ((s * 5) % (n - 1))) % n
              const res = await cluster.findProviders(q, `cap-${p}`, 5000)
              if (s < 2) continue
              if (!res.found.includes(peerIds[p])) dhtMisses++
              lookups.push(res.ms)
            }
            dht.push(...lookups)
            log(`  DHT findProviders: p50 ${round(median(lookups))} ms (${dhtMisses} misses so far)`)
          }
        } finally {
          await cluster.stopNodes()
          rmSync(runRoot, { recursive: true, force: true })
        }
      }
      const common = {
        nodes: n,
        runs,
        workers: workerCount,
        inProcess: true,
        colocationWorkaround: cluster.workaround
      }
      const d = summarize(disc)
      out.push({
        metric: 'discovery.full_mesh_ms',
        value: d.p50,
        unit: 'ms',
        params: {
          ...common,
          p99: round(d.p99, 1),
          perRun: disc.map((x) => round(x, 1)),
          failedRuns: discoveryFailures,
          falsePeerDead: falseDead,
          registriesCompleteMs: round(median(registry), 1),
          registriesPerRun: registry.map((x) => round(x, 1)),
          startNodesMs: round(median(starts), 1)
        }
      })
      out.push({
        metric: 'cpu.idle_core_percent_per_node',
        value: median(idleCpu),
        unit: '%',
        params: {
          ...common,
          windowMs: 1500,
          perRun: idleCpu.map((x) => round(x, 2)),
          what: 'CPU of the worker processes over 1.5 s of an idle, converged mesh, divided by the node count'
        }
      })
      const g = summarize(gossip)
      const pn = summarize(perNode)
      const gossipParams = {
        ...common,
        samples: g.n,
        missed,
        perRunP50: runP50,
        perNodeP50: round(pn.p50),
        goalMs: 50
      }
      out.push({ metric: 'gossip.propagation_p50_ms', value: g.p50, unit: 'ms', params: gossipParams })
      out.push({ metric: 'gossip.propagation_p99_ms', value: g.p99, unit: 'ms', params: gossipParams })
      if (n === dhtNodes) {
        const s = summarize(dht)
        const dhtParams = { ...common, samples: s.n, misses: dhtMisses, timeoutMs: 5000 }
        out.push({ metric: 'dht.find_providers_p50_ms', value: s.p50, unit: 'ms', params: dhtParams })
        out.push({ metric: 'dht.find_providers_p99_ms', value: s.p99, unit: 'ms', params: dhtParams })
      }
    }
  } finally {
    await cluster.close()
  }
  return out
}
