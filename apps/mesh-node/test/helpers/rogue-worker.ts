import { at } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from './daemon.js'
import { createHostilePeer, type HostilePeer } from './hostile-peer.js'
import { waitFor } from './wait.js'

export type Frame = Record<string, unknown>

/** An origin, an honest `work` worker and a rogue that advertises `work` too. */
export interface RogueWorkerMesh {
  origin: TestDaemon
  honest: TestDaemon
  rogue: HostilePeer
  /** Sends one request from the rogue to a daemon and returns its reply. */
  ask(d: TestDaemon, message: Frame): Promise<Frame>
  stop(): Promise<void>
}

/**
 * The rogue advertises `work` at load 0 while the honest worker sits at load
 * 0.5 (one long task holds one of its two slots), so every origin tries the
 * rogue first. Resolves once the origin knows both.
 */
export async function startRogueWorkerMesh(): Promise<RogueWorkerMesh> {
  const tag = uniqueTag()
  const slow = (name: string, capability: string, capacity: number) => ({
    name,
    capabilities: [capability],
    capacity,
    handler: { kind: 'builtin', name: 'slow' }
  })
  const [origin, honest] = await Promise.all([
    startTestDaemon({ tag, config: { agents: [slow('solo', 'solo', 1)] } }),
    startTestDaemon({ tag, config: { agents: [slow('w', 'work', 2)] } })
  ])
  const rogue = await createHostilePeer({
    agents: [{ agent: 'w', capabilities: ['work'], capacity: 4, running: 0 }]
  })
  const stop = async (): Promise<void> => {
    await rogue.stop()
    await stopAll([origin, honest])
  }
  try {
    for (const d of [origin, honest]) await rogue.connect(at((await d.client.id()).addresses, 0))
    void honest.noRetryClient
      .submit({ capability: 'work', input: { ms: 100_000 }, timeoutMs: 110_000 })
      .catch(() => {})
    await waitFor(
      async () => {
        const work = await origin.client.agents({ capability: 'work' })
        return (
          work.some((a) => a.peerId === rogue.peerId) &&
          work.some((a) => a.peerId === honest.peerId && a.running === 1)
        )
      },
      { message: 'the origin to know the rogue and the half-busy honest worker' }
    )
  } catch (err) {
    await stop()
    throw err
  }
  const ask = async (d: TestDaemon, message: Frame): Promise<Frame> => {
    const session = await rogue.open(at((await d.client.id()).addresses, 0))
    session.send(message)
    return await session.next()
  }
  return { origin, honest, rogue, ask, stop }
}
