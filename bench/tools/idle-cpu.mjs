#!/usr/bin/env node
// Idle CPU per node of a converged mesh, in steady state: N full daemons
// (in-process, over the scaling suite's worker processes), started together
// on one mDNS tag, given time to connect and settle, then measured over a
// window with nothing to do. The scaling suite measures 0.5 s after
// convergence, which still counts the end of the join; this counts only what
// an idle node costs for as long as it runs.
// Usage: node bench/tools/idle-cpu.mjs [nodes=20] [settleS=20] [windowS=20]
// BENCH_WORKERS=k sets the worker processes (default as the scaling suite);
// BENCH_CPU_PROF=DIR writes one .cpuprofile per worker (read it with
// node bench/tools/prof-top.mjs DIR) over each worker's whole life;
// IDLE_PROF=DIR profiles the measurement windows only (DIR/window-PID.cpuprofile).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster } from '../lib/cluster.mjs'
import { log, round, sleep, waitFor } from '../lib/util.mjs'
import { workersFor } from '../suites/scaling.mjs'

const [n = 20, settleS = 20, windowS = 20] = process.argv.slice(2).map(Number)
const root = mkdtempSync(join(tmpdir(), 'mesh-idle-'))
const cluster = new Cluster()
try {
  const workerCount = workersFor(n)
  log(`idle-cpu: ${n} nodes on ${workerCount} worker processes`)
  await cluster.start({
    n,
    workerCount,
    tag: `idle-${process.pid}`,
    specFor: (i) => ({
      root,
      name: `n${i}`,
      // For A/B runs: IDLE_MDNS_MS=… sets mdns.intervalMs; IDLE_CONFIG='{"mesh":{…}}' any config.
      config: {
        ...JSON.parse(process.env.IDLE_CONFIG ?? '{}'),
        ...(process.env.IDLE_MDNS_MS ? { mdns: { intervalMs: Number(process.env.IDLE_MDNS_MS) } } : {})
      },
      agents: [
        {
          name: 'echo',
          capabilities: ['echo', `cap-${i}`],
          capacity: 16,
          handler: { kind: 'builtin', name: 'echo' }
        }
      ]
    })
  })
  // Measured even if not every node converges in time: the report says how many did.
  const started = performance.now()
  let convergedMs = null
  await waitFor(
    async () => {
      const s = await cluster.status()
      return s.every((x) => x.fullAt != null && x.registryFullAt != null) ? s : null
    },
    { timeoutMs: 60_000, intervalMs: 500, what: `${n} nodes connected, registries complete` }
  )
    .then(() => {
      convergedMs = performance.now() - started
    })
    .catch(() => {})
  const converged = async () => (await cluster.status()).filter((x) => x.registryFullAt != null).length
  log(`  ${await converged()}/${n} registries complete; settling ${settleS} s`)
  await sleep(settleS * 1000)
  const deadBeforeWindows = (await cluster.status()).reduce((a, x) => a + x.deadEvents, 0)
  const windows = []
  if (process.env.IDLE_PROF) await cluster.profileStart()
  for (let w = 0; w < 2; w++) {
    const c0 = await cluster.cpuMicros()
    const t0 = performance.now()
    await sleep((windowS * 1000) / 2)
    const c1 = await cluster.cpuMicros()
    windows.push(((c1 - c0) / 1000 / (performance.now() - t0) / n) * 100)
  }
  if (process.env.IDLE_PROF) await cluster.profileStop(process.env.IDLE_PROF)
  const dead = (await cluster.status()).reduce((a, x) => a + x.deadEvents, 0)
  const result = {
    nodes: n,
    workers: workerCount,
    settleS,
    windowS,
    idleCorePercentPerNode: round(windows.reduce((a, b) => a + b, 0) / windows.length, 2),
    windows: windows.map((x) => round(x, 2)),
    falsePeerDead: dead,
    falsePeerDeadInWindows: dead - deadBeforeWindows,
    convergedMs: convergedMs == null ? null : round(convergedMs, 0),
    registriesComplete: await converged()
  }
  console.log(JSON.stringify(result))
} finally {
  await cluster.close()
  rmSync(root, { recursive: true, force: true })
}
