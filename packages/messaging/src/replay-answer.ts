import type { GossipSub } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { MessageEnvelope } from './envelope.js'
import { gossipTopic } from './envelope.js'
import type { ReplayRequest } from './replay.js'
import type { ReplayBuffer } from './replay-buffer.js'

/**
 * What this node published on a topic within the asker's window. It answers
 * once its gossipsub knows the asker follows the topic (or `waitMs` passed):
 * past that point gossip sends the asker every new publication itself, so
 * nothing falls between the replay and the gossip.
 */
export async function answerReplay(
  pubsub: GossipSub,
  buffer: ReplayBuffer,
  waitMs: number,
  request: ReplayRequest,
  asker: PeerId
): Promise<MessageEnvelope[]> {
  const receivedAt = Date.now()
  const full = gossipTopic(request.topic)
  const knows = (): boolean => pubsub.getSubscribers(full).some((p) => p.equals(asker))
  if (!knows()) await subscriptionSeen(pubsub, knows, waitMs)
  return buffer.since(request.topic, receivedAt - request.withinMs)
}

async function subscriptionSeen(pubsub: GossipSub, knows: () => boolean, waitMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      pubsub.removeEventListener('subscription-change', check)
      resolve()
    }
    const check = (): void => {
      if (knows()) done()
    }
    const timer = setTimeout(done, Math.max(0, waitMs))
    pubsub.addEventListener('subscription-change', check)
  })
}
