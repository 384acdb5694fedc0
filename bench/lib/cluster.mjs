// Controller side of the scaling suite: a few worker processes, each hosting
// several in-process daemons (2 cores cannot hold 40 daemon processes).
import { fork } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { exited, stopChild, trackChild, withTimeout } from './util.mjs'

const WORKER = fileURLToPath(new URL('./cluster-worker.mjs', import.meta.url))

class Worker {
  constructor(child) {
    this.child = child
    this.nextId = 0
    this.pending = new Map()
    child.on('message', (msg) => {
      if (msg.id == null) return
      const p = this.pending.get(msg.id)
      if (p == null) return
      this.pending.delete(msg.id)
      if (msg.ok) p.resolve(msg.result)
      else p.reject(new Error(msg.error))
    })
    child.on('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`cluster worker exited (${code ?? signal})`))
      this.pending.clear()
    })
  }

  call(cmd, args, timeoutMs = 60_000) {
    const id = ++this.nextId
    const reply = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
    })
    this.child.send({ id, cmd, args })
    return withTimeout(reply, timeoutMs, `cluster worker ${cmd}`).finally(() => this.pending.delete(id))
  }
}

async function forkWorker() {
  const prof = process.env.BENCH_CPU_PROF
  const execArgv = prof != null ? ['--cpu-prof', `--cpu-prof-dir=${resolve(prof)}`] : []
  const child = trackChild(fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv }))
  await withTimeout(
    new Promise((resolve, reject) => {
      child.once('message', (msg) => (msg?.ready ? resolve() : reject(new Error('bad worker hello'))))
      child.once('exit', (code) => reject(new Error(`cluster worker exited early (${code})`)))
    }),
    60_000,
    'cluster worker start'
  )
  return new Worker(child)
}

export class Cluster {
  constructor() {
    this.workers = []
    /** node index -> Worker */
    this.owner = new Map()
    this.peerIds = []
  }

  /** Makes sure `count` workers run (they are reused between runs and sizes). */
  async ensureWorkers(count) {
    while (this.workers.length < count) this.workers.push(await forkWorker())
  }

  /**
   * Starts `n` nodes spread round-robin over the first `workerCount` workers.
   * Resolves once every worker has started its nodes.
   */
  async start({ n, workerCount, tag, specFor }) {
    await this.ensureWorkers(workerCount)
    const active = this.workers.slice(0, workerCount)
    this.active = active
    this.owner.clear()
    const perWorker = active.map(() => [])
    for (let i = 0; i < n; i++) {
      perWorker[i % workerCount].push({ index: i, ...specFor(i) })
      this.owner.set(i, active[i % workerCount])
    }
    const started = await Promise.all(
      active.map((w, k) => w.call('start', { specs: perWorker[k], tag, total: n }, 120_000))
    )
    this.peerIds = []
    this.workaround = false
    for (const list of started)
      for (const s of list) {
        this.peerIds[s.index] = s.peerId
        this.workaround ||= s.workaround
      }
    return this.peerIds
  }

  async status() {
    return (await Promise.all(this.active.map((w) => w.call('status')))).flat()
  }

  /** CPU time (µs) the active workers have used so far. */
  async cpuMicros() {
    return (await Promise.all(this.active.map((w) => w.call('cpu')))).reduce((a, b) => a + b, 0)
  }

  /** Profiles the active workers from now until profileStop (each writes DIR/window-PID.cpuprofile). */
  async profileStart() {
    await Promise.all(this.active.map((w) => w.call('profileStart')))
  }

  async profileStop(dir) {
    return await Promise.all(this.active.map((w) => w.call('profileStop', { dir })))
  }

  async watch(peerIds) {
    await Promise.all(this.active.map((w) => w.call('watch', { peerIds })))
  }

  async announce(index) {
    return await this.owner.get(index).call('announce', { index }, 10_000)
  }

  async arrivals(from, incarnation, seq) {
    return (await Promise.all(this.active.map((w) => w.call('arrivals', { from, incarnation, seq })))).flat()
  }

  async findProviders(index, capability, timeoutMs, limit) {
    return await this.owner
      .get(index)
      .call('findProviders', { index, capability, timeoutMs, limit }, timeoutMs + 10_000)
  }

  async stopNodes() {
    if (this.active == null) return
    await Promise.all(this.active.map((w) => w.call('stop', {}, 60_000).catch(() => {})))
  }

  async close() {
    await this.stopNodes().catch(() => {})
    await Promise.all(
      this.workers.map(async (w) => {
        try {
          w.child.disconnect()
        } catch {
          /* already gone */
        }
        // It exits by itself on disconnect; SIGTERM only if it does not.
        await withTimeout(exited(w.child), 5000, 'cluster worker exit').catch(() => {})
        await stopChild(w.child, 5000)
      })
    )
    this.workers = []
  }
}
