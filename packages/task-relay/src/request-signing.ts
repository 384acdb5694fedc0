import { createHash } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { TaskRequestMessage } from '@mesh-node/protocol'
import { canonicalJson } from './signing.js'

/**
 * Requests signed by their origin (message set 1.7, PROTOCOL.md §6.10). The
 * origin signs what makes a task that task: its id, its capability and a
 * digest of its input, once per task (not per attempt, so every re-ask of
 * it carries the same signature). A node can then tell the origin's own task
 * from a peer that claims the origin's `from` and task id on a path of its
 * own, which the path checks of §6.1 cannot: the sender of a forwarded
 * request is, by design, not the origin.
 */

const DOMAIN = 'agent-mesh/task-request/1'

type Signed = Pick<TaskRequestMessage, 'from' | 'taskId' | 'capability' | 'input'>

/** The bytes an origin signs for one task. */
export function requestBytes(r: Signed): Uint8Array {
  const digest = createHash('sha256')
    .update(canonicalJson(r.input ?? null))
    .digest('hex')
  return new TextEncoder().encode(`${DOMAIN}\n${r.from}\n${r.taskId}\n${r.capability}\n${digest}`)
}

export async function signRequest(key: PrivateKey, r: Signed): Promise<string> {
  return Buffer.from(await key.sign(requestBytes(r))).toString('base64url')
}

/** Whether `osig` is the signature of the peer named `from` over this task. */
export async function verifyRequest(r: Signed & { osig: string }): Promise<boolean> {
  try {
    const key = peerIdFromString(r.from).publicKey
    if (key == null) return false
    return await key.verify(requestBytes(r), Buffer.from(r.osig, 'base64url'))
  } catch {
    return false
  }
}

/**
 * Under which origin a request is de-duplicated and recorded (§6.4, §6.10):
 * `from` itself when the request is shown to be the origin's (sent by the
 * origin itself: the connection authenticates it, so its `osig` is not
 * checked here, which saves the executor of a direct task one Ed25519
 * verification; or a valid `osig`); otherwise `from` as claimed by that
 * sender, so an unverified claim never shares a record with the origin's own
 * task. A relayed request with a bad `osig` is refused.
 */
export async function originClaim(
  msg: Signed & { osig?: string },
  sender: string
): Promise<{ claim: string } | { refused: 'bad_origin_signature' }> {
  if (sender === msg.from) return { claim: msg.from }
  if (msg.osig !== undefined)
    return (await verifyRequest({ ...msg, osig: msg.osig }))
      ? { claim: msg.from }
      : { refused: 'bad_origin_signature' }
  return { claim: `${msg.from}/via/${sender}` }
}
