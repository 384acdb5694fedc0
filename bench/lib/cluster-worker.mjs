// A worker process of the scaling suite: hosts several in-process daemons and
// answers the controller (cluster.mjs) over IPC. Timestamps are wall-clock
// milliseconds (performance.timeOrigin + performance.now()), comparable
// between the processes of one machine.
import { rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { STATE_TOPIC } from '@mesh-node/protocol'
import { startInProcess } from './inproc.mjs'
import {
  announceState,
  findProviders,
  libp2pOf,
  onDetectorEvent,
  onRegistryEvent,
  pubsubOf,
  registryPeerCount
} from './surface.mjs'
import { now, withTimeout } from './util.mjs'

/** index -> hosted node */
const nodes = new Map()
let watched = new Set()
const decoder = new TextDecoder()
const MAX_ARRIVALS = 20_000
/** The inspector session of a profileStart, until profileStop. */
let profiler

function checkFull(node) {
  const t = now()
  if (node.fullAt == null && libp2pOf(node.daemon).getPeers().length >= node.total - 1) node.fullAt = t
  if (node.registryFullAt == null && registryPeerCount(node.daemon) >= node.total - 1) node.registryFullAt = t
}

function onStateMessage(node, evt) {
  const msg = evt.detail
  node.received = (node.received ?? 0) + 1
  if (msg.topic !== STATE_TOPIC) return
  const at = now()
  let state
  try {
    state = JSON.parse(decoder.decode(msg.data))
  } catch {
    return
  }
  if (!watched.has(state.peerId)) return
  const key = `${state.peerId}/${state.incarnation}/${state.seq}`
  if (!node.arrivals.has(key)) node.arrivals.set(key, at)
  if (node.arrivals.size > MAX_ARRIVALS) node.arrivals.delete(node.arrivals.keys().next().value)
}

/** Captures this node's next node_state publish: the moment it is handed to gossipsub. */
function patchPublish(node) {
  if (node.waiters != null) return
  node.waiters = []
  const pubsub = pubsubOf(node.daemon)
  const original = pubsub.publish.bind(pubsub)
  pubsub.publish = (topic, data, options) => {
    if (topic === STATE_TOPIC && node.waiters.length > 0) {
      const t0 = now()
      try {
        const state = JSON.parse(decoder.decode(data))
        for (const resolve of node.waiters.splice(0))
          resolve({ incarnation: state.incarnation, seq: state.seq, t0 })
      } catch {
        /* not a state message after all */
      }
    }
    return original(topic, data, options)
  }
}

/**
 * gossipsub scores down peers that share an IP (P6, IP colocation: more than
 * 10 on one address). Every node here is 127.0.0.1, so past 11 nodes every
 * peer is graylisted and the state topic goes silent. Real meshes have one
 * daemon per machine; the bench stands in for many machines, so it
 * whitelists loopback, unless the daemon already does (or
 * BENCH_COLOCATION_WORKAROUND=0 asks to measure without it).
 */
function colocationWorkaround(daemon) {
  if (process.env.BENCH_COLOCATION_WORKAROUND === '0') return false
  const params = pubsubOf(daemon).score?.params
  if (params == null || params.IPColocationFactorWeight === 0) return false
  const whitelist = params.IPColocationFactorWhitelist ?? new Set()
  if (whitelist.has('127.0.0.1')) return false
  params.IPColocationFactorWhitelist = new Set([...whitelist, '127.0.0.1'])
  return true
}

const handlers = {
  async start({ specs, tag, total }) {
    const started = await Promise.all(
      specs.map(async (spec) => {
        const { daemon, dataDir } = await startInProcess({
          root: spec.root,
          name: spec.name,
          tag,
          agents: spec.agents,
          config: spec.config
        })
        const node = {
          index: spec.index,
          daemon,
          dataDir,
          total,
          fullAt: null,
          registryFullAt: null,
          startedAt: now(),
          arrivals: new Map()
        }
        nodes.set(spec.index, node)
        node.deadEvents = 0
        onDetectorEvent(daemon, (e) => {
          if (e.type === 'peer_dead') node.deadEvents++
        })
        libp2pOf(daemon).addEventListener('peer:connect', () => checkFull(node))
        onRegistryEvent(daemon, () => checkFull(node))
        pubsubOf(daemon).addEventListener('message', (evt) => onStateMessage(node, evt))
        const workaround = colocationWorkaround(daemon)
        checkFull(node)
        return { index: spec.index, peerId: daemon.peerId, workaround }
      })
    )
    return started
  },

  status() {
    return [...nodes.values()].map((n) => {
      checkFull(n)
      return {
        index: n.index,
        peerId: n.daemon.peerId,
        peers: libp2pOf(n.daemon).getPeers().length,
        registryPeers: registryPeerCount(n.daemon),
        received: n.received ?? 0,
        deadEvents: n.deadEvents,
        meshPeers: pubsubOf(n.daemon).getMeshPeers(STATE_TOPIC).length,
        topicPeers: pubsubOf(n.daemon).getSubscribers(STATE_TOPIC).length,
        startedAt: n.startedAt,
        fullAt: n.fullAt,
        registryFullAt: n.registryFullAt
      }
    })
  },

  cpu() {
    const { user, system } = process.cpuUsage()
    return user + system
  },

  /** Starts a CPU profile of this worker (a window only, unlike --cpu-prof's whole life). */
  async profileStart() {
    profiler = new Session()
    profiler.connect()
    await profiler.post('Profiler.enable')
    await profiler.post('Profiler.start')
    return true
  },

  /** Stops the profile profileStart began and writes it into dir as a .cpuprofile. */
  async profileStop({ dir }) {
    if (profiler == null) return null
    const { profile } = await profiler.post('Profiler.stop')
    profiler.disconnect()
    profiler = undefined
    const file = join(dir, `window-${process.pid}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    return file
  },

  watch({ peerIds }) {
    watched = new Set(peerIds)
    for (const n of nodes.values()) n.arrivals.clear()
    return true
  },

  async announce({ index }) {
    const node = nodes.get(index)
    patchPublish(node)
    const next = new Promise((resolve) => node.waiters.push(resolve))
    announceState(node.daemon)
    return await withTimeout(next, 3000, 'state publish')
  },

  arrivals({ from, incarnation, seq }) {
    const key = `${from}/${incarnation}/${seq}`
    return [...nodes.values()]
      .filter((n) => n.daemon.peerId !== from)
      .map((n) => ({ index: n.index, at: n.arrivals.get(key) ?? null }))
  },

  async findProviders({ index, capability, timeoutMs, limit }) {
    const node = nodes.get(index)
    const t0 = performance.now()
    const found = await findProviders(node.daemon, capability, { timeoutMs, limit })
    return { ms: performance.now() - t0, found }
  },

  async stop() {
    const all = [...nodes.values()]
    nodes.clear()
    await Promise.all(
      all.map(async (n) => {
        await withTimeout(n.daemon.stop('bench done'), 15_000, 'daemon stop').catch(() => {})
        rmSync(n.dataDir, { recursive: true, force: true })
      })
    )
    return all.length
  }
}

process.on('message', async (msg) => {
  try {
    const result = await handlers[msg.cmd](msg.args ?? {})
    process.send({ id: msg.id, ok: true, result })
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: String(err?.stack ?? err) })
  }
})
process.on('unhandledRejection', (err) => {
  process.stderr.write(`cluster worker: unhandled rejection: ${err?.stack ?? err}\n`)
})
// A normal exit, so that --cpu-prof (BENCH_CPU_PROF) writes its profile.
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
process.send({ ready: true })
