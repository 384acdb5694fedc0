#!/usr/bin/env node
// Chaos run (not part of CI): 5 daemons on one machine, N exec tasks
// submitted through @mesh-node/client at a given rate to random daemons, while
// random daemons are killed with SIGKILL and restarted (same data dir, new
// ports) every few seconds. Each exec agent appends the task id to one file
// when it starts a run, so a task that ran twice shows up twice there.
// At the end (all tasks finished, or --drain seconds passed) it prints JSON:
// accepted, lost (accepted, never finished), completed, failed by reason,
// ranTwice (with each task's run count) and submit errors.
// Usage: node bench/chaos.mjs [--tasks 1000] [--rate 20] [--kill-every 4]
//        [--daemons 5] [--work-ms 300] [--timeout 60000] [--drain 180]
// (run `pnpm build` first).
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { connect } from '../packages/client/dist/src/index.js'
import { causeOf, hopEvidence } from './lib/chaos-causes.mjs'
import { startDaemonProcess } from './lib/daemon-proc.mjs'

const { values: opt } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '20' },
    'kill-every': { type: 'string', default: '4' },
    daemons: { type: 'string', default: '5' },
    'work-ms': { type: 'string', default: '300' },
    timeout: { type: 'string', default: '60000' },
    drain: { type: 'string', default: '180' }
  }
})
const N = Number(opt.tasks)
const RATE = Number(opt.rate)
const KILL_EVERY_MS = Number(opt['kill-every']) * 1000
const DAEMONS = Number(opt.daemons)
const WORK_MS = Number(opt['work-ms'])
const TIMEOUT_MS = Number(opt.timeout)
const DRAIN_MS = Number(opt.drain) * 1000
// Each daemon's log is kept in its data dir: the causes of double runs are read from it.
process.env.BENCH_DAEMON_LOGS ??= '1'
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const log = (msg) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)

const root = mkdtempSync(join(tmpdir(), 'mesh-chaos-'))
const runs = join(root, 'runs.log')
writeFileSync(runs, '')
const agentFile = join(root, 'agent.mjs')
writeFileSync(
  agentFile,
  `import { appendFileSync } from 'node:fs'
let data = ''
process.stdin.on('data', (c) => { data += c })
process.stdin.on('end', () => {
  const req = JSON.parse(data)
  appendFileSync(${JSON.stringify(runs)}, req.taskId + ' ' + process.argv[2] + ' ' + process.env.MESH_ATTEMPT + '\\n')
  setTimeout(() => process.stdout.write(JSON.stringify({ done: req.taskId })), ${WORK_MS})
})
`
)
const tag = `chaos-${process.pid}`

/** One daemon slot: a data dir that is started, killed and restarted. */
class Slot {
  constructor(i) {
    this.i = i
    this.name = `node-${i}`
    this.dataDir = join(root, this.name)
    this.daemon = undefined
    this.restarts = 0
  }
  async start() {
    const agents = [
      {
        name: `w${this.i}`,
        capabilities: ['chaos'],
        capacity: 4,
        handler: { kind: 'exec', command: [process.execPath, agentFile, String(this.i)] }
      }
    ]
    this.daemon = await startDaemonProcess({ root, name: this.name, tag, agents })
    this.exit = new Promise((r) => this.daemon.child.on('exit', r))
  }
  async kill() {
    this.daemon?.kill9()
    await this.exit
    this.restarts++
  }
  async stop() {
    await this.daemon?.stop()
  }
}

const slots = Array.from({ length: DAEMONS }, (_, i) => new Slot(i))
await Promise.all(slots.map((s) => s.start()))
log(`${DAEMONS} daemons up in ${root}; waiting for them to see each other`)
{
  const c = await connect({ dataDir: slots[0].dataDir })
  const until = Date.now() + 60_000
  while ((await c.agents({ capability: 'chaos' })).length < DAEMONS && Date.now() < until) await sleep(250)
}

// The killer: every few seconds one random daemon is killed -9 and restarted at once.
let chaos = true
let kills = 0
const killer = (async () => {
  while (chaos) {
    await sleep(KILL_EVERY_MS)
    if (!chaos) break
    const s = slots[Math.floor(Math.random() * slots.length)]
    log(`kill -9 daemon ${s.i}`)
    await s.kill()
    kills++
    await s.start().catch((err) => log(`restart of ${s.i} failed: ${err.message}`))
  }
})()

// One client per daemon, made while it is up: it follows the daemon through its restarts.
const clients = new Map()
for (const s of slots) clients.set(s.i, await connect({ dataDir: s.dataDir, retryMs: 60_000 }))
const clientOf = async (s) => clients.get(s.i)

// The submitter: N tasks at RATE/s, each to a random daemon, through the client (which retries cut requests).
const accepted = new Map() // taskId -> slot index
const submitErrors = {}
const pending = []
const started = Date.now()
for (let n = 0; n < N; n++) {
  const due = started + (n * 1000) / RATE
  if (due > Date.now()) await sleep(due - Date.now())
  const s = slots[Math.floor(Math.random() * slots.length)]
  pending.push(
    (async () => {
      try {
        const client = await clientOf(s)
        const { taskId } = await client.submitNoWait({
          capability: 'chaos',
          input: { n },
          timeoutMs: TIMEOUT_MS
        })
        accepted.set(taskId, s.i)
      } catch (err) {
        const code = err.code ?? 'error'
        submitErrors[code] = (submitErrors[code] ?? 0) + 1
      }
    })()
  )
}
await Promise.all(pending)
const submitSeconds = (Date.now() - started) / 1000
log(`${accepted.size} of ${N} accepted in ${submitSeconds.toFixed(1)} s; chaos stops, draining`)
chaos = false
await killer

// Drain: ask each task's origin until every task finished or the drain time is up.
const final = new Map()
const lastSeen = new Map() // taskId -> the origin's last view of a task not finished yet
const drainUntil = Date.now() + DRAIN_MS
while (final.size < accepted.size && Date.now() < drainUntil) {
  for (const s of slots) {
    const ids = [...accepted].filter(([id, i]) => i === s.i && !final.has(id)).map(([id]) => id)
    if (ids.length === 0) continue
    try {
      const c = await connect({ dataDir: s.dataDir, retryMs: 5000 })
      const list = await c.tasks({ limit: 10_000 })
      for (const t of list) {
        // The origin's own record (a node also lists tasks it ran or forwarded for others).
        if (!accepted.has(t.taskId) || (t.role != null && t.role !== 'origin')) continue
        if (['completed', 'failed', 'cancelled'].includes(t.status)) final.set(t.taskId, t)
        else lastSeen.set(t.taskId, t)
      }
    } catch (err) {
      log(`daemon ${s.i}: ${err.message}`)
    }
  }
  if (final.size < accepted.size) await sleep(2000)
}

// Each run as `taskId slot attempt`: which daemons ran each task, and which attempt each said it was.
const ranOn = new Map()
const attemptsSeen = new Map()
for (const line of readFileSync(runs, 'utf8').split('\n').filter(Boolean)) {
  const [id, slot, attempt] = line.split(' ')
  ranOn.set(id, [...(ranOn.get(id) ?? []), Number(slot)])
  attemptsSeen.set(id, [...(attemptsSeen.get(id) ?? []), Number(attempt)])
}
const failedBy = {}
let completed = 0
for (const t of final.values()) {
  if (t.status === 'completed') completed++
  else {
    const code = t.error?.code ?? t.status
    failedBy[code] = (failedBy[code] ?? 0) + 1
  }
}
const lost = [...accepted.keys()].filter((id) => !final.has(id))
const twice = [...ranOn].filter(([id, on]) => on.length > 1 && accepted.has(id))
// Stopped first: the journals and logs are read for the causes.
await Promise.all(slots.map((s) => s.stop()))
const hops = hopEvidence(
  slots.map((s) => s.dataDir),
  twice.map(([id]) => id)
)
const causes = {}
const causeById = new Map()
for (const [id, on] of twice) {
  const cause = causeOf({
    on,
    attempts: attemptsSeen.get(id) ?? [],
    record: final.get(id),
    hop: hops.get(id)
  })
  causeById.set(id, cause)
  causes[cause] = (causes[cause] ?? 0) + 1
}
// The defects first: they are the ones to look at.
const isDefect = ([id]) => causeById.get(id).includes('defect')
twice.sort((a, b) => Number(isDefect(b)) - Number(isDefect(a)))
const report = {
  daemons: DAEMONS,
  tasks: N,
  ratePerS: RATE,
  killEveryS: KILL_EVERY_MS / 1000,
  kills,
  workMs: WORK_MS,
  submitSeconds: Math.round(submitSeconds * 10) / 10,
  accepted: accepted.size,
  submitErrors,
  lost: lost.length,
  lostIds: lost.slice(0, 10),
  // What the origin last said of each unfinished task (none: it never listed it).
  lostTasks: lost.slice(0, 10).map((id) => {
    const t = lastSeen.get(id)
    return {
      taskId: id,
      origin: accepted.get(id),
      status: t?.status ?? 'never listed',
      ageS: t != null ? Math.round((Date.now() - t.createdAt) / 1000) : undefined,
      updatedAgoS: t != null ? Math.round((Date.now() - t.updatedAt) / 1000) : undefined,
      attempts: t?.attempts?.map(
        (a) => `${a.executor.slice(-6)}:${a.outcome ?? 'open'}${a.error != null ? `/${a.error.code}` : ''}`
      )
    }
  }),
  lostByStatus: lost.reduce((acc, id) => {
    const st = lastSeen.get(id)?.status ?? 'never listed'
    acc[st] = (acc[st] ?? 0) + 1
    return acc
  }, {}),
  completed,
  failed: Object.values(failedBy).reduce((a, b) => a + b, 0),
  failedByReason: failedBy,
  ranTwice: twice.length,
  ranTwiceCauses: causes,
  ranTwiceTasks: twice.slice(0, 5).map(([id, on]) => ({
    taskId: id,
    cause: causeById.get(id),
    ranOn: on,
    status: final.get(id)?.status,
    attempts: final
      .get(id)
      ?.attempts?.map(
        (a) => `${a.executor.slice(-6)}:${a.outcome ?? 'open'}${a.error != null ? `/${a.error.code}` : ''}`
      )
  })),
  completedNeverRan: [...final.values()].filter((t) => t.status === 'completed' && !ranOn.has(t.taskId))
    .length
}
// Kept for a post-mortem when a task was lost (or with CHAOS_KEEP=1).
if (lost.length === 0 && !twice.some(isDefect) && !process.env.CHAOS_KEEP)
  rmSync(root, { recursive: true, force: true })
else log(`data dirs kept in ${root}`)
appendFileSync('/dev/stdout', `${JSON.stringify(report, null, 2)}\n`)
process.exit(0)
