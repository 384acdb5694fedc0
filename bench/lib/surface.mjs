// The one place the bench reaches into an in-process daemon beyond its
// public face (`startDaemon`, `Daemon.peer`, the HTTP API). The daemon's
// internals are being moved between packages; every access below looks in
// each place a subsystem has lived, so a move breaks this file only, and
// loudly: a missing surface throws `BenchSurfaceError` naming what it looked
// for, and the suite that needed it fails with that message.

import { TaskRequestSchema, TaskResultSchema } from '@mesh-node/protocol'
import { defineMessage } from '@mesh-node/rpc'

export class BenchSurfaceError extends Error {
  constructor(what, tried) {
    super(
      `bench surface: cannot find ${what} on the daemon (looked for ${tried.join(', ')}); update bench/lib/surface.mjs`
    )
    this.name = 'BenchSurfaceError'
    this.code = 'BENCH_SURFACE_MISSING'
  }
}

function lookup(root, path) {
  let at = root
  for (const key of path.split('.')) {
    if (at == null) return undefined
    at = at[key]
  }
  return at
}

/** The first of `paths` that exists on `daemon` (and is a function, if `fn`). */
function pick(daemon, what, paths, { fn = false } = {}) {
  for (const path of paths) {
    const found = lookup(daemon, path)
    if (found != null && (!fn || typeof found === 'function')) return { found, path }
  }
  throw new BenchSurfaceError(what, paths)
}

/** Calls the first method among `paths` that exists, bound to its owner. */
function call(daemon, what, paths, ...args) {
  const { path } = pick(daemon, what, paths, { fn: true })
  const cut = path.lastIndexOf('.')
  const owner = cut < 0 ? daemon : lookup(daemon, path.slice(0, cut))
  return owner[path.slice(cut + 1)](...args)
}

export const libp2pOf = (daemon) => pick(daemon, 'the libp2p node', ['peer.libp2p', 'libp2p']).found
export const pubsubOf = (daemon) => libp2pOf(daemon).services.pubsub

const REGISTRY = ['mesh.registry', 'registry', 'membership.registry']

/** How many remote peers this node's capability registry lists. */
export function registryPeerCount(daemon) {
  const { found: registry } = pick(daemon, 'the capability registry', REGISTRY)
  if (typeof registry.remotePeers === 'function') return registry.remotePeers().length
  if (typeof registry.all !== 'function') throw new BenchSurfaceError('registry.all()', REGISTRY)
  const peers = new Set()
  for (const agent of registry.all())
    if (!agent.local && agent.peerId !== daemon.peerId) peers.add(agent.peerId)
  return peers.size
}

export const onRegistryEvent = (daemon, listener) =>
  call(
    daemon,
    'registry events',
    REGISTRY.map((p) => `${p}.onEvent`),
    listener
  )

export const findAgents = (daemon, capability) =>
  call(
    daemon,
    'registry lookup',
    REGISTRY.map((p) => `${p}.find`),
    capability
  )

const DETECTOR = [
  'mesh.failureDetector',
  'failureDetector',
  'membership.failureDetector',
  'membership.detector'
]

/** Subscribes to the failure detector's events; returns the unsubscribe function. */
export const onDetectorEvent = (daemon, listener) =>
  call(
    daemon,
    'failure detector events',
    DETECTOR.map((p) => `${p}.onEvent`),
    listener
  )

export const memberState = (daemon, peerId) =>
  call(
    daemon,
    'failure detector state',
    DETECTOR.map((p) => `${p}.state`),
    peerId
  )

/** Publishes this node's state now (after the gossip's own rate limit). */
export const announceState = (daemon) =>
  call(daemon, 'state gossip', ['mesh.gossip.announce', 'gossip.announce', 'membership.gossip.announce'])

export const findProviders = (daemon, capability, options) =>
  call(
    daemon,
    'capability providers',
    ['mesh.providers.findProviders', 'providers.findProviders', 'membership.providers.findProviders'],
    capability,
    options
  )

/** The task_request definition the rpc table validates against (packages/rpc). */
const TASK_REQUEST = defineMessage('task_request', 'task_result', TaskRequestSchema, TaskResultSchema)

/** One task_request over the warm task session to `target`; resolves to its task_result. */
export const taskRequest = (daemon, target, message, options) => {
  const rpc = lookup(daemon, 'mesh.rpc')
  if (rpc != null && typeof rpc.request === 'function') {
    const { type: _type, ...body } = message
    return rpc.request(TASK_REQUEST, target, body, options)
  }
  return call(
    daemon,
    'the task protocol',
    ['mesh.protocol.request', 'protocol.request', 'tasks.protocol.request'],
    target,
    message,
    options
  )
}

/** The full routing path: registry lookup, strategy, warm session. */
export const submitTask = (daemon, request) =>
  call(
    daemon,
    'the task router',
    ['mesh.tasks.submit', 'mesh.router.submit', 'tasks.submit', 'router.submit'],
    request
  )

export const vote = (daemon, request) =>
  call(
    daemon,
    'coordination votes',
    ['mesh.coordination.vote', 'coordination.vote', 'coordination.votes.vote'],
    request
  )

export const collectBids = (daemon, request) =>
  call(
    daemon,
    'auctions',
    ['mesh.auctions.collect', 'auctions.collect', 'coordination.auctions.collect'],
    request
  )
