#!/usr/bin/env node
// mesh-node benchmark suite. `pnpm bench` runs everything; `BENCH_QUICK=1
// pnpm bench` runs the same measurements, shorter (under 5 minutes on 2
// cores). Results go to bench/results/ (latest.json, latest.md, history/).
// docs/PERFORMANCE.md says what each metric measures and how.
//
// As root on Linux, the suite runs inside a network namespace of its own
// with only a loopback interface (multicast routed to it), so mDNS and all
// other traffic stay on this run's 127.0.0.1; BENCH_NETNS=0 runs in the
// current namespace instead.
//
// Environment: BENCH_QUICK=1 (short run), BENCH_ONLY=memory,rpc,coordination,failure,scaling
// (a subset, for development), BENCH_NETNS=0, BENCH_CPU_PROF=DIR (the RPC executor
// daemon writes a V8 CPU profile there), BENCH_COLOCATION_WORKAROUND=0.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureNatsServer } from './lib/nats.mjs'
import { finalize, machineMeta, writeResults } from './lib/results.mjs'
import { startSmallMesh } from './lib/small-mesh.mjs'
import { elapsedS, killAllChildren, log, MODE, QUICK } from './lib/util.mjs'
import { coordinationSuite } from './suites/coordination.mjs'
import { failureSuite } from './suites/failure.mjs'
import { memorySuite } from './suites/memory.mjs'
import { rpcSuite } from './suites/rpc.mjs'
import { scalingSuite } from './suites/scaling.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RESULTS = join(ROOT, 'bench', 'results')
const SELF = fileURLToPath(import.meta.url)

const CONFIG = QUICK
  ? {
      memory: { daemons: 2, settleMs: 5000, readings: 5 },
      rpc: {
        warmup: 300,
        runs: 3,
        requests: 1000,
        submitRequests: 500,
        inflight: 64,
        throughputMs: 1500
      },
      coordination: { rounds: 30, warmup: 5 },
      failure: { runs: 3 },
      scaling: {
        sizes: [5, 10, 20],
        runsFor: () => 3,
        gossipSamples: 30,
        dhtNodes: 20,
        dhtSamples: 20
      }
    }
  : {
      memory: { daemons: 3, settleMs: 15_000, readings: 10 },
      rpc: {
        warmup: 1000,
        runs: 5,
        requests: 3000,
        submitRequests: 1500,
        inflight: 64,
        throughputMs: 4000
      },
      coordination: { rounds: 100, warmup: 10 },
      failure: { runs: 5 },
      scaling: {
        sizes: [5, 10, 20, 40],
        runsFor: (n) => (n === 40 ? 3 : 5),
        gossipSamples: 40,
        dhtNodes: 20,
        dhtSamples: 30
      }
    }

// Development overrides of the scaling suite: BENCH_SIZES=40 BENCH_SCALING_RUNS=1.
if (process.env.BENCH_SIZES != null)
  CONFIG.scaling.sizes = process.env.BENCH_SIZES.split(',')
    .map(Number)
    .filter((n) => n >= 2 && n <= 64)
if (process.env.BENCH_SCALING_RUNS != null) {
  const runs = Math.max(1, Math.min(10, Number(process.env.BENCH_SCALING_RUNS) || 1))
  CONFIG.scaling.runsFor = () => runs
}

const ONLY = process.env.BENCH_ONLY?.split(',').filter((s) => s !== '')
const wanted = (suite) => ONLY == null || ONLY.includes(suite)

const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 })

/** A namespace with nothing but loopback, multicast routed to it, for mDNS. */
function createNetns(name) {
  const steps = [
    ['ip', ['netns', 'add', name]],
    ['ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']],
    ['ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'multicast', 'on']],
    ['ip', ['netns', 'exec', name, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo']]
  ]
  for (const [cmd, args] of steps) {
    const res = run(cmd, args)
    if (res.status !== 0) {
      run('ip', ['netns', 'del', name])
      return `${cmd} ${args.join(' ')}: ${(res.stderr ?? res.error?.message ?? '').trim()}`
    }
  }
  return null
}

function removeNetns(name) {
  // Anything still in the namespace was started by this run: end it by pid.
  const pids =
    run('ip', ['netns', 'pids', name])
      .stdout?.split('\n')
      .filter((s) => /^\d+$/.test(s)) ?? []
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      /* gone */
    }
  }
  run('ip', ['netns', 'del', name])
}

async function outer() {
  const nats = ensureNatsServer(log)
  if (nats.installed) log(`installed ${nats.bin}`)
  const tmp = mkdtempSync(join(tmpdir(), 'mesh-bench-'))
  const env = {
    ...process.env,
    BENCH_TMP: tmp,
    BENCH_STARTED_AT: new Date().toISOString(),
    ...(nats.bin != null ? { BENCH_NATS_BIN: nats.bin } : { BENCH_NATS_ERROR: nats.error })
  }
  const useNetns = process.platform === 'linux' && process.getuid?.() === 0 && process.env.BENCH_NETNS !== '0'
  const name = `meshbench-${process.pid}`
  const failed = useNetns ? createNetns(name) : 'not root on Linux, or BENCH_NETNS=0'
  if (failed != null && useNetns) log(`! no network namespace (${failed}); running in this one`)
  let code
  try {
    if (failed == null) {
      env.BENCH_NETWORK = `own network namespace ${name} (loopback only)`
      const child = spawn('ip', ['netns', 'exec', name, process.execPath, SELF], { stdio: 'inherit', env })
      const forward = (signal) => child.kill(signal)
      process.on('SIGINT', forward)
      process.on('SIGTERM', forward)
      code = await new Promise((res) => child.once('exit', (c, s) => res(c ?? (s != null ? 1 : 0))))
    } else {
      Object.assign(process.env, env, { BENCH_NETWORK: 'current network namespace (127.0.0.1)' })
      code = await inner()
    }
  } finally {
    if (failed == null) removeNetns(name)
    rmSync(tmp, { recursive: true, force: true })
  }
  log(`done in ${elapsedS().toFixed(1)} s`)
  process.exit(code)
}

async function inner() {
  const root = process.env.BENCH_TMP ?? mkdtempSync(join(tmpdir(), 'mesh-bench-'))
  const startedAt = process.env.BENCH_STARTED_AT ?? new Date().toISOString()
  const natsBin = process.env.BENCH_NATS_BIN
  const natsError = process.env.BENCH_NATS_ERROR
  const cleanup = () => {
    killAllChildren()
    rmSync(root, { recursive: true, force: true })
  }
  const onSignal = () => {
    log('interrupted: stopping what this run started')
    cleanup()
    process.exit(130)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('unhandledRejection', (err) => log(`! unhandled rejection: ${err?.stack ?? err}`))

  // The code measured is the code built at the start (tsc -b ran just before).
  const machine = machineMeta(ROOT)
  log(
    `mesh-node bench, ${MODE} mode, code ${machine.commit}, in ${process.env.BENCH_NETWORK ?? 'this namespace'}`
  )
  const entries = []
  const notes = []
  let failures = 0
  const attempt = async (name, fn) => {
    if (!wanted(name)) return
    try {
      entries.push(...(await fn()))
    } catch (err) {
      failures++
      log(`! ${name} failed: ${err?.stack ?? err}`)
      notes.push(`${name} failed: ${String(err?.message ?? err).split('\n')[0]}`)
    }
  }

  try {
    await attempt('memory', () => memorySuite({ root, cfg: CONFIG.memory }))

    if (wanted('rpc') || wanted('coordination') || wanted('failure')) {
      const tag = `bench-${process.pid}-small`
      log('starting the small mesh: 5 executor daemon processes and an in-process origin')
      let mesh
      try {
        const cpuProfDir =
          process.env.BENCH_CPU_PROF != null ? resolve(process.env.BENCH_CPU_PROF) : undefined
        mesh = await startSmallMesh({ root, tag, executors: 5, cpuProfDir })
        await attempt('rpc', () => rpcSuite({ mesh, natsBin, natsError, cfg: CONFIG.rpc }))
        await attempt('coordination', () => coordinationSuite({ mesh, cfg: CONFIG.coordination }))
        await attempt('failure', () => failureSuite({ mesh, root, tag, cfg: CONFIG.failure }))
      } catch (err) {
        failures++
        log(`! small mesh failed: ${err?.stack ?? err}`)
        notes.push(`small mesh failed: ${String(err?.message ?? err).split('\n')[0]}`)
      } finally {
        await mesh?.stop()
      }
    }

    await attempt('scaling', () => scalingSuite({ root, ...CONFIG.scaling }))
  } finally {
    cleanup()
  }

  const final = finalize(entries, MODE)
  if (final.some((e) => e.params.colocationWorkaround === true))
    notes.push(
      'gossipsub IP-colocation scoring was relaxed for loopback in the scaling suite (every node shares 127.0.0.1 here); see docs/PERFORMANCE.md'
    )
  const meta = {
    mode: MODE,
    startedAt,
    durationS: Math.round(elapsedS()),
    command: QUICK ? 'BENCH_QUICK=1 pnpm bench' : 'pnpm bench',
    network: process.env.BENCH_NETWORK ?? 'current network namespace',
    headlineNodes: 20,
    notes,
    ...machine
  }
  if (ONLY != null) {
    log(`BENCH_ONLY=${ONLY.join(',')}: not writing bench/results`)
    console.log(JSON.stringify(final, null, 2))
  } else {
    const { md, historyFile } = writeResults(RESULTS, final, meta)
    console.log(`\n${md}`)
    log(`wrote bench/results/latest.json, latest.md and ${historyFile.slice(ROOT.length)}`)
  }
  return failures > 0 ? 1 : 0
}

if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error('the bench needs Node >= 22: run `source scripts/lib-env.sh && ensure_toolchain` first')
  process.exit(1)
}
if (process.env.BENCH_IN_NETNS == null && process.env.BENCH_TMP == null) {
  await outer()
} else {
  process.exit(await inner())
}
