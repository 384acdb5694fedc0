import { RPC } from '@libp2p/gossipsub/message'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { STATE_TOPIC } from '@mesh-node/protocol'
import type { HostilePeer } from './hostile-peer.js'
import type { RawSession } from './raw-peer.js'

/** An agent list for made-up states: one `voter` agent. */
export const voterAd = [{ agent: 'v', capabilities: ['voter'], capacity: 1, running: 0 }]

/** A node_state for `peerId`, as its subject would announce it. */
export const fakeState = (peerId: string, seq: number) => ({
  type: 'node_state',
  peerId,
  incarnation: Date.now(),
  seq,
  agents: voterAd
})

/** A signed state as carried by `state_sync_reply.signed` (PROTOCOL §5.2). */
export interface WireSignedState {
  data: string
  seqno: string
  signature: string
}

/** A node_state signed by its own (minted) key the way gossipsub signs: a valid identity nobody can reach. */
export async function mintedSignedState(key: PrivateKey, seq: number): Promise<WireSignedState> {
  const peerId = peerIdFromPrivateKey(key).toString()
  const data = new TextEncoder().encode(JSON.stringify(fakeState(peerId, seq)))
  const seqno = new Uint8Array(8)
  new DataView(seqno.buffer).setBigUint64(0, BigInt(seq), false)
  const body = RPC.Message.encode({
    from: peerIdFromString(peerId).toMultihash().bytes,
    data,
    seqno,
    topic: STATE_TOPIC
  })
  const signature = await key.sign(new Uint8Array([...new TextEncoder().encode('libp2p-pubsub:'), ...body]))
  return {
    data: Buffer.from(data).toString('base64'),
    seqno: Buffer.from(seqno).toString('hex'),
    signature: Buffer.from(signature).toString('base64')
  }
}

/** The subject of a signed state. */
export const subjectOf = (s: WireSignedState): string =>
  (JSON.parse(Buffer.from(s.data, 'base64').toString()) as { peerId: string }).peerId

const sessions = new WeakMap<HostilePeer, Map<string, RawSession>>()
let asks = 0

/**
 * Asks a daemon for every signed state it would hand on (an empty
 * `state_sync`), on one session per daemon: a test that polls must not open
 * a stream per poll (a daemon takes 16 task streams per connection).
 */
export async function signedStatesOf(rogue: HostilePeer, addr: string): Promise<WireSignedState[]> {
  const mine = sessions.get(rogue) ?? new Map<string, RawSession>()
  sessions.set(rogue, mine)
  const session = mine.get(addr) ?? (await rogue.open(addr))
  mine.set(addr, session)
  try {
    session.send({ type: 'state_sync', id: `ask-${++asks}`, versions: [] })
    const reply = await session.next(20_000)
    return (reply.signed ?? []) as WireSignedState[]
  } catch (err) {
    mine.delete(addr)
    throw err
  }
}

/** A state in `state_sync` form, to the wire form of a gossipsub message (RPC.Message) as its subject signed it. */
export const gossipOf = (s: WireSignedState) => ({
  from: peerIdFromString(subjectOf(s)).toMultihash().bytes,
  data: new Uint8Array(Buffer.from(s.data, 'base64')),
  seqno: new Uint8Array(Buffer.from(s.seqno, 'hex')),
  topic: STATE_TOPIC,
  signature: new Uint8Array(Buffer.from(s.signature, 'base64'))
})

/** The rogue's gossipsub, to send a daemon messages of others as they are (a router forwarding them). */
type RawPubsub = { sendRpc(id: string, rpc: { subscriptions: []; messages: unknown[] }): boolean }

/** Sends gossipsub wire messages to a peer in one RPC; false while there is no gossipsub stream to it yet. */
export function sendGossip(rogue: HostilePeer, to: string, messages: unknown[]): boolean {
  return (rogue.node.services.pubsub as unknown as RawPubsub).sendRpc(to, { subscriptions: [], messages })
}
