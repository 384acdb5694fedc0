// Sizes of every suite in each mode: full (`pnpm bench`), quick
// (`BENCH_QUICK=1`) and smoke (`pnpm bench --smoke`: every suite runs once
// at tiny sizes, to prove it still works; its numbers mean nothing).
import { MODE } from './util.mjs'

const CONFIGS = {
  full: {
    memory: { daemons: 3, settleMs: 15_000, readings: 10 },
    smallMesh: { executors: 5 },
    rpc: {
      warmup: 1000,
      runs: 5,
      requests: 3000,
      submitRequests: 1500,
      inflight: 64,
      throughputMs: 4000,
      levels: [1, 8, 64],
      levelMs: 2000
    },
    coordination: { rounds: 100, warmup: 10 },
    failure: { runs: 5 },
    signing: { iterations: 2000, runs: 5 },
    accept: { clients: 32, warmupMs: 1000, runs: 5, durationMs: 3000 },
    scaling: {
      warmup: true,
      sizes: [5, 10, 20, 40],
      runsFor: (n) => (n === 40 ? 3 : 5),
      gossipSamples: 40,
      dhtNodes: 20,
      dhtSamples: 30
    }
  },
  quick: {
    memory: { daemons: 2, settleMs: 5000, readings: 5 },
    smallMesh: { executors: 5 },
    rpc: {
      warmup: 300,
      runs: 3,
      requests: 1000,
      submitRequests: 500,
      inflight: 64,
      throughputMs: 1500,
      levels: [1, 8, 64],
      levelMs: 1000
    },
    coordination: { rounds: 30, warmup: 5 },
    failure: { runs: 3 },
    signing: { iterations: 500, runs: 3 },
    accept: { clients: 32, warmupMs: 500, runs: 3, durationMs: 1500 },
    scaling: {
      warmup: true,
      sizes: [5, 10, 20],
      runsFor: () => 3,
      gossipSamples: 30,
      dhtNodes: 20,
      dhtSamples: 20
    }
  },
  smoke: {
    memory: { daemons: 1, settleMs: 500, readings: 2 },
    smallMesh: { executors: 2 },
    rpc: {
      warmup: 20,
      runs: 1,
      requests: 50,
      submitRequests: 20,
      inflight: 8,
      throughputMs: 200,
      levels: [1, 8],
      levelMs: 150
    },
    coordination: { rounds: 3, warmup: 1 },
    failure: { runs: 1 },
    signing: { iterations: 8, runs: 1 },
    accept: { clients: 8, warmupMs: 100, runs: 1, durationMs: 300 },
    scaling: {
      warmup: false,
      sizes: [4],
      runsFor: () => 1,
      gossipSamples: 3,
      dhtNodes: 4,
      dhtSamples: 3
    }
  }
}

/** The sizes for this run's mode, with the development overrides applied. */
export function benchConfig(env = process.env) {
  const cfg = CONFIGS[MODE]
  // BENCH_SIZES=5,10,20,40 (or BENCH_SCALE_NODES): the scaling suite's mesh sizes, e.g. the
  // 40-node step in a quick run. BENCH_SCALING_RUNS=1: fewer runs per size.
  const sizes = env.BENCH_SIZES ?? env.BENCH_SCALE_NODES
  if (sizes != null) cfg.scaling.sizes = parseSizes(sizes)
  // BENCH_EXECUTORS=1: a smaller small mesh, to measure the round trip on a crowded machine.
  if (env.BENCH_EXECUTORS != null)
    cfg.smallMesh.executors = Math.max(1, Math.min(5, Number(env.BENCH_EXECUTORS) || 1))
  if (env.BENCH_SCALING_RUNS != null) {
    const runs = Math.max(1, Math.min(10, Number(env.BENCH_SCALING_RUNS) || 1))
    cfg.scaling.runsFor = () => runs
  }
  return cfg
}

/** "5,10,20,40" → [5, 10, 20, 40]; a size that is not a whole number from 2 to 64 stops the bench, naming it. */
function parseSizes(text) {
  const sizes = text.split(',').filter((s) => s.trim() !== '')
  const bad = sizes.filter((s) => !/^\s*\d+\s*$/.test(s) || Number(s) < 2 || Number(s) > 64)
  if (sizes.length === 0 || bad.length > 0)
    throw new Error(
      `BENCH_SIZES / BENCH_SCALE_NODES=${JSON.stringify(text)}: give mesh sizes from 2 to 64, comma-separated, e.g. 5,10,20,40`
    )
  return sizes.map(Number)
}
