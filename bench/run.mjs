#!/usr/bin/env node
// mesh-node benchmark suite. `pnpm bench` runs everything; `BENCH_QUICK=1
// pnpm bench` runs the same measurements, shorter (under 5 minutes on 2
// cores). Results go to bench/results/ (latest.json, latest.md, history/).
// `pnpm bench --smoke` runs every suite at tiny sizes and writes nothing: CI
// runs it so that a change that breaks a suite fails there, by the suite's name.
// docs/PERFORMANCE.md says what each metric measures and how.
//
// As root on Linux, the suite runs inside a network namespace of its own
// with only a loopback interface (multicast routed to it), so mDNS and all
// other traffic stay on this run's 127.0.0.1; BENCH_NETNS=0 runs in the
// current namespace instead.
//
// Environment: BENCH_QUICK=1 (short run), BENCH_SIZES=5,10,20,40 (scaling sizes: the 40-node step
// in a quick run; alias BENCH_SCALE_NODES), BENCH_ONLY=memory,signing,rpc,accept,coordination,failure,scaling
// (a subset, for development), BENCH_NETNS=0, BENCH_CPU_PROF=DIR (the RPC executor
// daemon writes a V8 CPU profile there), BENCH_COLOCATION_WORKAROUND=0.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchConfig } from './lib/config.mjs'
import { withTaskCounters } from './lib/metrics-scrape.mjs'
import { ensureNatsServer, findNatsServer } from './lib/nats.mjs'
import { finalize, machineMeta, writeResults } from './lib/results.mjs'
import { startSmallMesh } from './lib/small-mesh.mjs'
import { elapsedS, killAllChildren, log, MODE, QUICK, SMOKE } from './lib/util.mjs'
import { acceptSuite } from './suites/accept.mjs'
import { coordinationSuite } from './suites/coordination.mjs'
import { failureSuite } from './suites/failure.mjs'
import { memorySuite } from './suites/memory.mjs'
import { pubsubSuite } from './suites/pubsub.mjs'
import { rpcSuite } from './suites/rpc.mjs'
import { scalingSuite } from './suites/scaling.mjs'
import { signingSuite } from './suites/signing.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RESULTS = join(ROOT, 'bench', 'results')
const SELF = fileURLToPath(import.meta.url)

const CONFIG = benchConfig()
// A quick run with the 40-node step says so in its record (BENCH_SIZES=5,10,20,40).
const SIZES_SET = process.env.BENCH_SIZES != null || process.env.BENCH_SCALE_NODES != null
const SMOKE_LIMIT_S = 180

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

/** nats-server for the baseline; the smoke run never installs it, it says so and goes on without. */
function natsServer() {
  if (!SMOKE) return ensureNatsServer(log)
  const bin = findNatsServer()
  if (bin != null) return { bin }
  const error =
    'smoke run: nats-server is not installed, so the NATS baseline is skipped (pnpm bench installs it)'
  log(error)
  return { error }
}

async function outer() {
  const nats = natsServer()
  if (nats.installed) log(`installed ${nats.bin}`)
  const tmp = mkdtempSync(join(tmpdir(), 'mesh-bench-'))
  const env = {
    ...process.env,
    BENCH_TMP: tmp,
    BENCH_STARTED_AT: new Date().toISOString(),
    ...(SMOKE ? { BENCH_SMOKE: '1' } : {}),
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
  const failed = []
  const fail = (name, err) => {
    failed.push(name)
    log(`! ${name} failed: ${err?.stack ?? err}`)
    notes.push(`${name} failed: ${String(err?.message ?? err).split('\n')[0]}`)
  }
  let running = 'start-up'
  // A hung suite must fail CI, not stall it: the smoke run has a hard bound.
  const watchdog = SMOKE
    ? setTimeout(() => {
        log(`bench FAILED: ${running} still running after ${SMOKE_LIMIT_S} s (smoke runs take under 90 s)`)
        cleanup()
        process.exit(1)
      }, SMOKE_LIMIT_S * 1000)
    : undefined
  const attempt = async (name, fn) => {
    if (!wanted(name)) return
    running = name
    try {
      const got = await fn()
      // A suite that measured nothing is broken, whatever it returned.
      const empty = got.filter((e) => e.value == null || !Number.isFinite(e.value)).map((e) => e.metric)
      if (got.length === 0) throw new Error('it returned no measurements')
      if (SMOKE && empty.length > 0) throw new Error(`no value for ${empty.join(', ')}`)
      entries.push(...got)
    } catch (err) {
      fail(name, err)
    }
  }

  try {
    await attempt('memory', () => memorySuite({ root, cfg: CONFIG.memory }))
    await attempt('signing', () => signingSuite({ cfg: CONFIG.signing }))

    if (['rpc', 'accept', 'coordination', 'failure'].some(wanted)) {
      const tag = `bench-${process.pid}-small`
      log(
        `starting the small mesh: ${CONFIG.smallMesh.executors} executor daemon processes and an in-process origin`
      )
      let mesh
      try {
        const cpuProfDir =
          process.env.BENCH_CPU_PROF != null ? resolve(process.env.BENCH_CPU_PROF) : undefined
        running = 'small mesh'
        mesh = await startSmallMesh({ root, tag, executors: CONFIG.smallMesh.executors, cpuProfDir })
        // The rpc suite sends tasks to the first executor: its /metrics must count them.
        await attempt('rpc', () =>
          withTaskCounters(mesh.procs[0], 'the rpc suite', log, () =>
            rpcSuite({ mesh, natsBin, natsError, cfg: CONFIG.rpc })
          )
        )
        await attempt('accept', () => acceptSuite({ mesh, root, tag, cfg: CONFIG.accept, cpuProfDir }))
        await attempt('coordination', () => coordinationSuite({ mesh, cfg: CONFIG.coordination }))
        await attempt('failure', () => failureSuite({ mesh, root, tag, cfg: CONFIG.failure }))
      } catch (err) {
        fail('small mesh', err)
      } finally {
        await mesh?.stop()
      }
    }

    await attempt('scaling', () => scalingSuite({ root, ...CONFIG.scaling }))
    await attempt('pubsub', () => pubsubSuite({ root }))
  } finally {
    clearTimeout(watchdog)
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
    command: `${SIZES_SET ? `BENCH_SIZES=${CONFIG.scaling.sizes.join(',')} ` : ''}${SMOKE ? 'pnpm bench --smoke' : QUICK ? 'BENCH_QUICK=1 pnpm bench' : 'pnpm bench'}`,
    network: process.env.BENCH_NETWORK ?? 'current network namespace',
    headlineNodes: 20,
    notes,
    ...machine
  }
  if (SMOKE) {
    log('smoke run: not writing bench/results, no goals checked')
    for (const e of final)
      log(`  ${e.metric}${e.params.nodes != null ? ` (${e.params.nodes} nodes)` : ''}: ${e.value} ${e.unit}`)
  } else if (ONLY != null) {
    log(`BENCH_ONLY=${ONLY.join(',')}: not writing bench/results`)
    console.log(JSON.stringify(final, null, 2))
  } else {
    const { md, historyFile } = writeResults(RESULTS, final, meta)
    console.log(`\n${md}`)
    log(`wrote bench/results/latest.json, latest.md and ${historyFile.slice(ROOT.length)}`)
  }
  if (failed.length > 0) {
    log(`bench FAILED: ${failed.join(', ')}`)
    return 1
  }
  log(`bench ok (${MODE})`)
  return 0
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
