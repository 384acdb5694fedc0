// kill -9 of an executor that holds an in-flight task: how long until every
// other node has declared it dead, and until the task completed elsewhere.
import { slowAgent, startDaemonProcess } from '../lib/daemon-proc.mjs'
import { findAgents, memberState, onDetectorEvent, submitTask } from '../lib/surface.mjs'
import { log, median, round, sleep, summarize, waitFor, withTimeout } from '../lib/util.mjs'

const HANDLER_MS = 1000

export async function failureSuite({ mesh, root, tag, cfg }) {
  const origin = mesh.origin
  // Each other node's view: the executors through their SSE event stream,
  // the origin through its failure detector directly.
  const streams = await Promise.all(mesh.procs.map((p) => p.api.events(['peer_dead'])))
  const originDead = []
  const off = onDetectorEvent(origin, (e) => {
    if (e.type === 'peer_dead') originDead.push({ peerId: e.peerId, at: Date.now() })
  })
  const detect = []
  const perNode = []
  const redistribute = []
  const problems = []
  try {
    for (let r = 0; r < cfg.runs; r++) {
      const victim = await startDaemonProcess({
        root,
        name: `victim${r}`,
        tag,
        agents: [slowAgent('worker', ['work'], 8)]
      })
      try {
        // Everyone must know it as alive before it can be declared dead.
        await waitFor(
          async () => {
            if (memberState(origin, victim.peerId) !== 'alive') return false
            if (!findAgents(origin, 'work').some((a) => a.peerId === victim.peerId)) return false
            const statuses = await Promise.all(mesh.procs.map((p) => p.api.get('/v1/status')))
            return statuses.every((s) =>
              s.members.some((m) => m.peerId === victim.peerId && m.state === 'alive')
            )
          },
          { timeoutMs: 20_000, intervalMs: 100, what: 'every node to know the victim' }
        )
        let startedAt
        const outcomeP = submitTask(origin, {
          capability: 'work',
          input: { ms: HANDLER_MS },
          timeoutMs: 30_000,
          preferPeer: victim.peerId,
          observer: {
            started: (executor) => {
              if (executor === victim.peerId) startedAt ??= Date.now()
            },
            ended: () => {}
          }
        })
        // Kill while its handler runs: the victim reports the task as running.
        await waitFor(
          async () => {
            if (startedAt == null) return false
            const agents = await victim.api.get('/v1/agents?capability=work')
            return agents.some((a) => a.local && a.running > 0)
          },
          { timeoutMs: 5000, intervalMs: 10, what: 'the task to run on the victim' }
        )
        const t0 = Date.now()
        victim.kill9()
        const outcome = await withTimeout(outcomeP, 35_000, 'redistributed task')
        const t1 = Date.now()
        if (outcome.status === 'completed' && outcome.executor !== victim.peerId) {
          redistribute.push(t1 - t0 - HANDLER_MS)
        } else {
          problems.push(`run ${r + 1}: task ${outcome.status} on ${outcome.executor ?? 'nobody'}`)
        }
        // Declared dead on the origin and on every executor.
        const seen = await waitFor(
          () => {
            const times = [originDead.find((e) => e.peerId === victim.peerId)?.at]
            for (const s of streams) times.push(s.events.find((e) => e.peerId === victim.peerId)?.at)
            return times.every((x) => x != null) ? times : null
          },
          { timeoutMs: 20_000, intervalMs: 20, what: 'every node to declare the victim dead' }
        ).catch(() => null)
        if (seen == null) {
          problems.push(`run ${r + 1}: not every node declared the victim dead within 20 s`)
        } else {
          const deltas = seen.map((at) => at - t0)
          detect.push(Math.max(...deltas))
          perNode.push(...deltas)
        }
        log(
          `failure: run ${r + 1}/${cfg.runs}: dead everywhere after ${round(detect.at(-1), 0)} ms, ` +
            `task done elsewhere ${round(redistribute.at(-1), 0)} ms after the kill (+${HANDLER_MS} ms handler)`
        )
      } finally {
        await victim.stop()
      }
      await sleep(300)
    }
  } finally {
    off()
    await Promise.all(streams.map((s) => s.close()))
  }
  for (const p of problems) log(`  ! ${p}`)
  const d = summarize(detect)
  const rd = summarize(redistribute)
  const common = {
    runs: cfg.runs,
    observers: mesh.procs.length + 1,
    victim: 'separate daemon process, kill -9',
    problems
  }
  return [
    {
      metric: 'failure.detect_ms',
      value: d.p50,
      unit: 'ms',
      params: {
        ...common,
        p99: d.p99,
        perRun: detect,
        perNodeMedianMs: median(perNode),
        goalMs: 3000
      }
    },
    {
      metric: 'failure.redistribute_ms',
      value: rd.p50,
      unit: 'ms',
      params: { ...common, p99: rd.p99, perRun: redistribute, handlerMs: HANDLER_MS }
    }
  ]
}
