// The mesh behind the RPC, coordination and failure measurements: an origin
// daemon inside the bench process (it submits, votes, runs auctions) and
// five executor daemons, each its own process.
import { peerIdFromString } from '@libp2p/peer-id'
import { echoAgent, slowAgent, startDaemonProcess, stopAll } from './daemon-proc.mjs'
import { startInProcess } from './inproc.mjs'
import { findAgents } from './surface.mjs'
import { waitFor, withTimeout } from './util.mjs'

export const executorAgents = () => [
  echoAgent('echo', ['echo'], 256),
  { name: 'voter', capabilities: ['vote'], capacity: 8, handler: { kind: 'builtin', name: 'echo' } },
  { name: 'bidder', capabilities: ['bid'], capacity: 8, handler: { kind: 'builtin', name: 'echo' } },
  slowAgent('worker', ['work'], 8)
]

export async function startSmallMesh({ root, tag, executors = 5, cpuProfDir }) {
  const procs = await Promise.all(
    Array.from({ length: executors }, (_, i) =>
      startDaemonProcess({
        root,
        name: `exec${i + 1}`,
        tag,
        agents: executorAgents(),
        cpuProfDir: i === 0 ? cpuProfDir : undefined
      })
    )
  )
  let origin
  try {
    origin = await startInProcess({ root, name: 'origin', tag, agents: [] })
    await waitKnown(origin.daemon, procs.length, 90_000)
  } catch (err) {
    await withTimeout(origin?.daemon.stop() ?? Promise.resolve(), 15_000, 'origin stop').catch(() => {})
    await stopAll(procs)
    throw err
  }
  return {
    origin: origin.daemon,
    procs,
    peerIdOf: (proc) => peerIdFromString(proc.peerId),
    stop: async () => {
      await withTimeout(origin.daemon.stop('bench done'), 15_000, 'origin stop').catch(() => {})
      await stopAll(procs)
    }
  }
}

/** Until the origin's registry lists every executor's agents, for every capability. */
export async function waitKnown(origin, count, timeoutMs) {
  await waitFor(
    () =>
      ['echo', 'vote', 'bid', 'work'].every(
        (cap) => new Set(findAgents(origin, cap).map((a) => a.peerId)).size >= count
      ),
    { timeoutMs, intervalMs: 50, what: `the origin to know ${count} executors` }
  )
}
