// RPC: a task round trip to a builtin echo agent in another process, against
// NATS request-reply and a raw TCP echo, with the same 100-byte JSON payload.
import { randomUUID } from 'node:crypto'
import { connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { startNats } from '../lib/nats.mjs'
import { countSyscalls } from '../lib/strace.mjs'
import { submitTask, taskRequest } from '../lib/surface.mjs'
import { log, median, round, spawnTracked, stopChild, summarize, withTimeout } from '../lib/util.mjs'

const TCP_SERVER = fileURLToPath(new URL('../lib/tcp-echo-server.mjs', import.meta.url))
const SUBJECT = 'bench.echo'

/** About 100 bytes of JSON. */
export const PAYLOAD = {
  kind: 'bench',
  n: 42,
  text: 'the quick brown fox jumps over the lazy dog 0123456789'
}

async function startTcpEcho() {
  const child = spawnTracked(process.execPath, [TCP_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] })
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      child.stdout.once('data', (c) => resolve(Number(c.toString().trim())))
      child.once('exit', (code) => reject(new Error(`tcp echo server exited (${code})`)))
    }),
    10_000,
    'tcp echo server'
  )
  const socket = tcpConnect(port, '127.0.0.1')
  socket.setNoDelay(true)
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    }),
    5000,
    'tcp connect'
  )
  const pending = []
  let buffer = ''
  const failAll = (err) => {
    for (const p of pending.splice(0)) p.reject(err)
  }
  socket.on('data', (chunk) => {
    buffer += chunk.toString()
    let cut = buffer.indexOf('\n')
    while (cut >= 0) {
      const line = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 1)
      const p = pending.shift()
      if (p != null) {
        clearTimeout(p.timer)
        p.resolve(JSON.parse(line))
      }
      cut = buffer.indexOf('\n')
    }
  })
  socket.on('error', failAll)
  socket.on('close', () => failAll(new Error('tcp echo socket closed')))
  return {
    request: (payload) =>
      new Promise((resolve, reject) => {
        // Same per-request timer as the other two clients keep.
        const timer = setTimeout(() => reject(new Error('tcp echo timeout')), 5000)
        pending.push({ resolve, reject, timer })
        socket.write(JSON.stringify(payload) + '\n')
      }),
    close: async () => {
      socket.destroy()
      child.stdin.end()
      await stopChild(child, 3000)
    }
  }
}

/** `count` sequential calls (bounded by `maxMs`); returns latencies in ms. */
async function latency(call, count, maxMs) {
  const samples = []
  const end = performance.now() + maxMs
  for (let i = 0; i < count && performance.now() < end; i++) {
    const t = performance.now()
    await call()
    samples.push(performance.now() - t)
  }
  return samples
}

/** `inflight` lanes calling back to back for `durationMs` (and at most `maxRequests`); with their latencies. */
async function throughput(call, { inflight, durationMs, maxRequests }) {
  let done = 0
  let errors = 0
  let issued = 0
  const samples = []
  const t0 = performance.now()
  const end = t0 + durationMs
  const lane = async () => {
    while (performance.now() < end && issued < maxRequests) {
      issued++
      const t = performance.now()
      try {
        await call()
        samples.push(performance.now() - t)
        done++
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: inflight }, lane))
  return { perSec: done / ((performance.now() - t0) / 1000), done, errors, samples }
}

/** Throughput and latency at each of `levels` requests in flight, mesh and NATS alternating, `runs` times. */
async function inflightLevels(systems, { levels, runs, durationMs }) {
  const out = []
  for (const inflight of levels) {
    const per = Object.fromEntries(systems.map((s) => [s.name, { perSec: [], samples: [] }]))
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? systems : [...systems].reverse()
      for (const s of order) {
        const res = await throughput(s.call, { inflight, durationMs, maxRequests: 500_000 })
        per[s.name].perSec.push(res.perSec)
        per[s.name].samples.push(...res.samples)
      }
    }
    const line = systems.map((s) => {
      const l = summarize(per[s.name].samples)
      return `${s.name} ${Math.round(median(per[s.name].perSec))}/s p50 ${round(l.p50)} p99 ${round(l.p99)} ms`
    })
    log(`  ${inflight} in flight: ${line.join('; ')}`)
    out.push({ inflight, per })
  }
  return out
}

/** BENCH_STRACE=1: socket writes per round trip on the executor and the origin, at 1 and 64 in flight. */
async function straceMesh(meshCall, executorPid, cfg) {
  const out = {}
  for (const inflight of [1, 64]) {
    for (const [who, pid] of [
      ['executor', executorPid],
      ['origin', process.pid]
    ]) {
      const { result, writes, calls } = await countSyscalls(pid, tmpdir(), who, () =>
        throughput(meshCall, { inflight, durationMs: cfg.levelMs, maxRequests: 500_000 })
      )
      const perMessage = round(writes / Math.max(1, result.done), 2)
      log(
        `  strace ${who}, ${inflight} in flight: ${writes} TCP writes for ${result.done} round trips = ${perMessage} each (write ${calls.write ?? 0}, writev ${calls.writev ?? 0}, ${calls.other} not to TCP)`
      )
      out[`${who}${inflight}`] = perMessage
    }
  }
  return out
}

/** rpc.inflightK_per_s, _p50_ms and _p99_ms for each level, against NATS at the same level. */
function levelEntries(levels, withBase) {
  return levels.flatMap(({ inflight, per }) => {
    const m = summarize(per.mesh.samples)
    const n = per.nats != null ? summarize(per.nats.samples) : null
    const params = { inflight, samples: m.n, perRun: per.mesh.perSec.map((x) => Math.round(x)) }
    return [
      withBase(
        `rpc.inflight${inflight}_per_s`,
        median(per.mesh.perSec),
        '/s',
        per.nats && median(per.nats.perSec),
        params
      ),
      withBase(`rpc.inflight${inflight}_p50_ms`, m.p50, 'ms', n?.p50, params),
      withBase(`rpc.inflight${inflight}_p99_ms`, m.p99, 'ms', n?.p99, params)
    ]
  })
}

export async function rpcSuite({ mesh, natsBin, natsError, cfg }) {
  const origin = mesh.origin
  const target = mesh.peerIdOf(mesh.procs[0])
  const from = origin.peerId

  const systems = []
  const meshCall = async () => {
    const res = await taskRequest(
      origin,
      target,
      {
        type: 'task_request',
        taskId: randomUUID(),
        capability: 'echo',
        input: PAYLOAD,
        from,
        deadline: Date.now() + 10_000,
        hops: 0,
        path: [from]
      },
      { timeoutMs: 10_000 }
    )
    if (res.status !== 'completed') throw new Error(`task ${res.status}: ${res.error?.message}`)
  }
  systems.push({ name: 'mesh', call: meshCall, throughput: true })
  const submitCall = async () => {
    const out = await submitTask(origin, { capability: 'echo', input: PAYLOAD, timeoutMs: 10_000 })
    if (out.status !== 'completed') throw new Error(`submit ${out.status}: ${out.error?.message}`)
  }
  systems.push({ name: 'submit', call: submitCall, throughput: false })

  let nats
  let natsFailure = natsError
  if (natsBin != null) {
    try {
      nats = await startNats(natsBin, SUBJECT)
      const encoder = new TextEncoder()
      const decoder = new TextDecoder()
      systems.push({
        name: 'nats',
        throughput: true,
        call: async () => {
          const m = await nats.nc.request(SUBJECT, encoder.encode(JSON.stringify(PAYLOAD)), { timeout: 5000 })
          JSON.parse(decoder.decode(m.data))
        }
      })
    } catch (err) {
      natsFailure = err.message
      log(`  ! NATS baseline unavailable: ${err.message}`)
    }
  }
  const tcp = await startTcpEcho()
  systems.push({ name: 'tcp', call: () => tcp.request(PAYLOAD), throughput: true })

  const lat = Object.fromEntries(systems.map((s) => [s.name, []]))
  const runP50 = Object.fromEntries(systems.map((s) => [s.name, []]))
  const tput = Object.fromEntries(systems.map((s) => [s.name, []]))
  let tputErrors = 0
  let levels = []
  let straced
  try {
    log(`rpc: warm-up (${cfg.warmup} requests and a short burst per system)`)
    for (const s of systems) {
      await latency(s.call, cfg.warmup, 30_000)
      if (s.throughput)
        await throughput(s.call, { inflight: cfg.inflight, durationMs: 500, maxRequests: 50_000 })
    }
    for (let r = 0; r < cfg.runs; r++) {
      // Rotate the order so no system always runs first (or right after another's burst).
      const order = systems.map((_, i) => systems[(i + r) % systems.length])
      for (const s of order) {
        const samples = await latency(s.call, s.name === 'submit' ? cfg.submitRequests : cfg.requests, 60_000)
        lat[s.name].push(...samples)
        runP50[s.name].push(round(summarize(samples).p50, 4))
      }
      for (const s of order.filter((x) => x.throughput)) {
        const res = await throughput(s.call, {
          inflight: cfg.inflight,
          durationMs: cfg.throughputMs,
          maxRequests: 500_000
        })
        tput[s.name].push(res.perSec)
        tputErrors += s.name === 'mesh' ? res.errors : 0
      }
      log(
        `  run ${r + 1}/${cfg.runs}: p50 ` +
          systems.map((s) => `${s.name} ${runP50[s.name].at(-1)} ms`).join(', ') +
          '; throughput ' +
          systems
            .filter((s) => s.throughput)
            .map((s) => `${s.name} ${Math.round(tput[s.name].at(-1))}/s`)
            .join(', ')
      )
    }
    log(`rpc: ${cfg.levels.join(', ')} in flight, mesh and NATS alternating`)
    levels = await inflightLevels(
      systems.filter((s) => s.name === 'mesh' || s.name === 'nats'),
      { levels: cfg.levels, runs: cfg.runs, durationMs: cfg.levelMs }
    )
    if (process.env.BENCH_STRACE === '1') straced = await straceMesh(meshCall, mesh.procs[0].pid, cfg)
  } finally {
    await tcp.close()
    await nats?.close()
  }

  const stat = (name) => summarize(lat[name])
  const m = stat('mesh')
  const sub = stat('submit')
  const t = stat('tcp')
  const n = nats != null ? stat('nats') : null
  const tputMesh = median(tput.mesh)
  const tputNats = nats != null ? median(tput.nats) : null
  const tputTcp = median(tput.tcp)
  const common = {
    runs: cfg.runs,
    payloadBytes: JSON.stringify(PAYLOAD).length,
    executor: 'separate daemon process',
    origin: 'in-process daemon (bench process)'
  }
  const tcpCommon = {
    runs: cfg.runs,
    payloadBytes: common.payloadBytes,
    server: 'child process: newline-delimited JSON echo on one persistent socket',
    role: 'physical floor, not a baseline'
  }
  const natsParams = nats != null ? {} : { natsUnavailable: natsFailure ?? 'not run' }
  const withBase = (metric, value, unit, baseValue, params) => ({
    metric,
    value,
    unit,
    baseline: baseValue != null ? 'nats' : null,
    baselineValue: baseValue,
    params: { ...common, ...natsParams, ...params }
  })
  return [
    withBase('rpc.p50_ms', m.p50, 'ms', n?.p50, {
      samples: m.n,
      perRunP50: runP50.mesh,
      rawTcpMs: round(t.p50, 4),
      vsRawTcp: round(m.p50 / t.p50, 2)
    }),
    withBase('rpc.p99_ms', m.p99, 'ms', n?.p99, {
      samples: m.n,
      rawTcpMs: round(t.p99, 4),
      vsRawTcp: round(m.p99 / t.p99, 2)
    }),
    withBase('rpc.throughput_per_s', tputMesh, '/s', tputNats, {
      ...(straced != null ? { socketWritesPerRoundTrip: straced } : {}),
      inflight: cfg.inflight,
      durationMs: cfg.throughputMs,
      perRun: tput.mesh.map((x) => Math.round(x)),
      errors: tputErrors,
      rawTcpPerS: Math.round(tputTcp),
      vsRawTcp: round(tputMesh / tputTcp, 3)
    }),
    ...levelEntries(levels, withBase),
    withBase('rpc.submit_p50_ms', sub.p50, 'ms', n?.p50, {
      samples: sub.n,
      path: 'router.submit: registry lookup, strategy, warm session',
      perRunP50: runP50.submit
    }),
    withBase('rpc.submit_p99_ms', sub.p99, 'ms', n?.p99, { samples: sub.n }),
    { metric: 'rpc.raw_tcp_p50_ms', value: t.p50, unit: 'ms', params: { ...tcpCommon, samples: t.n } },
    { metric: 'rpc.raw_tcp_p99_ms', value: t.p99, unit: 'ms', params: { ...tcpCommon, samples: t.n } },
    {
      metric: 'rpc.raw_tcp_throughput_per_s',
      value: tputTcp,
      unit: '/s',
      params: { ...tcpCommon, inflight: cfg.inflight, perRun: tput.tcp.map((x) => Math.round(x)) }
    }
  ]
}
