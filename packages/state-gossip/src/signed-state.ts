import type { SignedMessage } from '@libp2p/gossipsub'
import { RPC } from '@libp2p/gossipsub/message'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeNodeState, type NodeStateMessage, type SignedState, STATE_TOPIC } from '@mesh-node/protocol'

/**
 * A node_state with the proof that its subject published it: the bytes it
 * signed and the gossipsub signature over them. Anti-entropy hands states on
 * only in this form, so a relay can neither forge a state nor alter one.
 */
export interface ProvenState {
  state: NodeStateMessage
  data: Uint8Array
  seqno: Uint8Array
  signature: Uint8Array
}

/** gossipsub's StrictSign prefix (libp2p pubsub spec). */
const SIGN_PREFIX = new TextEncoder().encode('libp2p-pubsub:')

/** The bytes gossipsub signs for a message on the state topic. */
function signedBytes(from: string, data: Uint8Array, seqno: Uint8Array): Uint8Array {
  const encoded = RPC.Message.encode({
    from: peerIdFromString(from).toMultihash().bytes,
    data,
    seqno,
    topic: STATE_TOPIC
  })
  const out = new Uint8Array(SIGN_PREFIX.length + encoded.length)
  out.set(SIGN_PREFIX)
  out.set(encoded, SIGN_PREFIX.length)
  return out
}

const seqnoBytes = (n: bigint): Uint8Array => {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, n), false)
  return out
}

/** The proof carried by a state heard on the topic (gossipsub already checked it). */
export function provenFromGossip(msg: SignedMessage, state: NodeStateMessage): ProvenState {
  return { state, data: msg.data, seqno: seqnoBytes(msg.sequenceNumber), signature: msg.signature }
}

/**
 * Signs this node's own state as gossipsub would have, so it can travel by
 * anti-entropy like anyone else's (a node never receives its own gossip).
 */
export async function signOwnState(
  state: NodeStateMessage,
  data: Uint8Array,
  privateKey: PrivateKey
): Promise<ProvenState> {
  const seqno = seqnoBytes(BigInt(state.incarnation) * 1_000_000n + BigInt(state.seq))
  const signature = await privateKey.sign(signedBytes(state.peerId, data, seqno))
  return { state, data, seqno, signature }
}

export function toWire(p: ProvenState): SignedState {
  return {
    data: Buffer.from(p.data).toString('base64'),
    seqno: Buffer.from(p.seqno).toString('hex'),
    signature: Buffer.from(p.signature).toString('base64')
  }
}

/** Why a relayed state was not believed; undefined when it was. */
export type Unproven = 'invalid_state' | 'bad_peer_id' | 'no_public_key' | 'bad_signature'

/**
 * Checks a relayed state against the peer id it claims: valid JSON of a
 * node_state, a real peer id with an inline public key (Ed25519, secp256k1),
 * and that key's signature over exactly these bytes.
 */
export async function verifySignedState(
  wire: SignedState
): Promise<{ ok: true; proven: ProvenState } | { ok: false; why: Unproven }> {
  const data = new Uint8Array(Buffer.from(wire.data, 'base64'))
  const decoded = decodeNodeState(data)
  if (!decoded.ok) return { ok: false, why: 'invalid_state' }
  let publicKey: ReturnType<typeof peerIdFromString>['publicKey']
  try {
    publicKey = peerIdFromString(decoded.message.peerId).publicKey
  } catch {
    return { ok: false, why: 'bad_peer_id' }
  }
  if (publicKey == null) return { ok: false, why: 'no_public_key' }
  const seqno = new Uint8Array(Buffer.from(wire.seqno, 'hex'))
  const signature = new Uint8Array(Buffer.from(wire.signature, 'base64'))
  let valid = false
  try {
    valid = await publicKey.verify(signedBytes(decoded.message.peerId, data, seqno), signature)
  } catch {
    valid = false
  }
  if (!valid) return { ok: false, why: 'bad_signature' }
  return { ok: true, proven: { state: decoded.message, data, seqno, signature } }
}
