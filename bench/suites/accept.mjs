// The accept path: POST /v1/tasks with wait:false, from many concurrent HTTP
// clients, against a daemon process with no agents of its own, so every
// accepted task is journaled (durable before its 202) and then dispatched to
// the executors of the small mesh, which stay busy running them.
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { startDaemonProcess } from '../lib/daemon-proc.mjs'
import { log, median, round, sleep, summarize, waitFor } from '../lib/util.mjs'
import { PAYLOAD } from './rpc.mjs'

const UNFINISHED = ['queued', 'assigned', 'running']

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/PID/stat
 * (clock ticks of 10 ms). Per accepted task, it is what the machine's load
 * does not change much: the cost of one accept, journal and dispatch included.
 */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** One keep-alive HTTP client pool: `post(body)` resolves to { status, ms }. */
function httpClient(apiUrl, token, sockets) {
  const url = new URL(apiUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: sockets })
  const post = (body) =>
    new Promise((resolve, reject) => {
      const t = performance.now()
      const data = Buffer.from(JSON.stringify(body))
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/v1/tasks',
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': data.length
          },
          timeout: 10_000
        },
        (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => {
            const ms = performance.now() - t
            if (res.statusCode !== 202) {
              reject(
                new Error(
                  `POST /v1/tasks: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`
                )
              )
            } else resolve({ ms, taskId: JSON.parse(Buffer.concat(chunks).toString()).taskId })
          })
        }
      )
      req.on('timeout', () => req.destroy(new Error('POST /v1/tasks: no answer within 10 s')))
      req.on('error', reject)
      req.end(data)
    })
  return { post, close: () => agent.destroy() }
}

/** `clients` lanes posting back to back for `durationMs`; latencies of the 202s. */
async function burst(client, { clients, durationMs, maxRequests }) {
  const samples = []
  let errors = 0
  let firstError
  let issued = 0
  const t0 = performance.now()
  const end = t0 + durationMs
  const body = { capability: 'echo', input: PAYLOAD, wait: false }
  const lane = async () => {
    while (performance.now() < end && issued < maxRequests) {
      issued++
      try {
        samples.push((await client.post(body)).ms)
      } catch (err) {
        errors++
        firstError ??= err.message
      }
    }
  }
  await Promise.all(Array.from({ length: clients }, lane))
  return { samples, errors, firstError, perSec: samples.length / ((performance.now() - t0) / 1000) }
}

async function unfinishedCount(gateway) {
  const { tasks } = await gateway.api.get('/v1/status')
  return UNFINISHED.reduce((sum, s) => sum + (tasks[s] ?? 0), 0)
}

export async function acceptSuite({ mesh, root, tag, cfg, cpuProfDir }) {
  const executors = mesh.procs.length
  log(`accept: a gateway daemon process with no agents, ${executors} executors behind it`)
  const gateway = await startDaemonProcess({ root, name: 'gateway', tag, agents: [], cpuProfDir })
  const client = httpClient(gateway.apiUrl, gateway.token, cfg.clients)
  const perSec = []
  const latencies = []
  let errors = 0
  let firstError
  const drains = []
  const cpuPerTask = []
  try {
    await waitFor(
      async () =>
        new Set((await gateway.api.get('/v1/agents?capability=echo')).map((a) => a.peerId)).size >= executors,
      { timeoutMs: 30_000, intervalMs: 100, what: `the gateway to know ${executors} executors` }
    )
    log(`accept: warm-up (${cfg.warmupMs} ms at ${cfg.clients} clients)`)
    await burst(client, { clients: cfg.clients, durationMs: cfg.warmupMs, maxRequests: 100_000 })
    await drain(gateway, 30_000)
    for (let r = 0; r < cfg.runs; r++) {
      const cpu0 = cpuMs(gateway.pid)
      const res = await burst(client, {
        clients: cfg.clients,
        durationMs: cfg.durationMs,
        maxRequests: 500_000
      })
      perSec.push(res.perSec)
      latencies.push(...res.samples)
      errors += res.errors
      firstError ??= res.firstError
      const s = summarize(res.samples)
      // Accepted means journaled and on its way: every one of them must finish.
      const drainedMs = await drain(gateway, 60_000)
      drains.push(drainedMs)
      // Up to every task finished: the accept, its dispatch and its result, as the gateway pays for them.
      cpuPerTask.push((cpuMs(gateway.pid) - cpu0) / Math.max(1, res.samples.length))
      log(
        `  run ${r + 1}/${cfg.runs}: ${Math.round(res.perSec)} accepted/s, p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms, ` +
          `${res.errors} errors; all ${res.samples.length} finished ${round(drainedMs, 0)} ms after the burst; ` +
          `gateway CPU ${round(cpuPerTask.at(-1), 3)} ms per task`
      )
      await sleep(200)
    }
  } finally {
    client.close()
    await gateway.stop()
  }
  if (firstError != null) log(`  ! accept errors: ${errors}, first: ${firstError}`)
  const s = summarize(latencies)
  const params = {
    clients: cfg.clients,
    runs: cfg.runs,
    durationMs: cfg.durationMs,
    samples: s.n,
    errors,
    perRun: perSec.map((x) => Math.round(x)),
    drainedMsPerRun: drains.map((x) => round(x, 0)),
    gatewayCpuMsPerTask: round(median(cpuPerTask), 3),
    executors,
    gateway: 'separate daemon process with no agents; clients: node:http keep-alive in the bench process',
    durability: 'journaled in SQLite (WAL, synchronous=NORMAL) before the 202'
  }
  return [
    { metric: 'api.accept_per_s', value: median(perSec), unit: '/s', params: { ...params, goalPerS: 5000 } },
    { metric: 'api.accept_p50_ms', value: s.p50, unit: 'ms', params },
    { metric: 'api.accept_p99_ms', value: s.p99, unit: 'ms', params: { ...params, goalMs: 20 } }
  ]
}

/** Until the gateway has no unfinished task; returns how long that took. */
async function drain(gateway, timeoutMs) {
  const t0 = performance.now()
  await waitFor(async () => (await unfinishedCount(gateway)) === 0, {
    timeoutMs,
    intervalMs: 50,
    what: 'every accepted task to finish'
  })
  return performance.now() - t0
}
