import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ResultAckReplyMessage, TaskRequestMessage, TaskResultMessage } from '@mesh-node/protocol'
import { RemoteProtocolError, type Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { resultAck } from './messages/result-ack.js'

/** How long a written final result waits for its requester's ack before it goes to the outbox. */
export const ACK_WAIT_MS = 5_000
/** Results waiting for an ack at once; past it the oldest goes to the outbox at once. */
export const MAX_AWAITING_ACKS = 4_096
const ACK_SEND_TIMEOUT_MS = 5_000

interface Awaiting {
  result: TaskResultMessage
  timer: NodeJS.Timeout
  stopWatching: () => void
}

/**
 * Result acks (message set 1.6, PROTOCOL.md §5.8). A final `task_result`
 * written to a live stream is not yet delivered: the connection may drop
 * before the requester reads it. So a node that answered a request sent
 * with `acks: true` keeps the result until the requester's `result_ack`;
 * when the session closes first, or no ack comes within ACK_WAIT_MS, the
 * result goes to the outbox and is pushed to the origin (§9.1). A request
 * without `acks` (a peer older than 1.6) keeps the old meaning: written is
 * delivered. Bounded by MAX_AWAITING_ACKS.
 */
export class ResultAcks {
  private readonly awaiting = new Map<string, Awaiting>()

  constructor(
    private readonly hold: (result: TaskResultMessage) => void,
    private readonly log: Logger
  ) {}

  /** The reply to `request` was written to `requester`'s session; `closed` aborts with the session. */
  sent(result: TaskResultMessage, request: TaskRequestMessage, requester: PeerId, closed: AbortSignal): void {
    if (request.acks !== true || !needsAck(result)) return
    const key = keyOf(requester.toString(), result.taskId)
    this.settle(key)
    const giveUp = (why: string): void => {
      if (this.settle(key) === undefined) return
      this.log.info({ taskId: result.taskId, remotePeer: requester.toString(), why }, 'result not acked')
      this.hold(result)
    }
    const onClose = (): void => giveUp('the session closed before the ack')
    closed.addEventListener('abort', onClose, { once: true })
    const timer = setTimeout(() => giveUp(`no ack within ${ACK_WAIT_MS} ms`), ACK_WAIT_MS)
    timer.unref()
    this.awaiting.set(key, {
      result,
      timer,
      stopWatching: () => closed.removeEventListener('abort', onClose)
    })
    if (closed.aborted) onClose()
    if (this.awaiting.size > MAX_AWAITING_ACKS) {
      const oldest = this.awaiting.keys().next().value
      if (oldest !== undefined) {
        const entry = this.settle(oldest)
        if (entry !== undefined) this.hold(entry.result)
      }
    }
  }

  /** The requester's ack: the result is delivered and need not be kept. */
  receive(taskId: string, from: string, id: string): ResultAckReplyMessage {
    const held = this.settle(keyOf(from, taskId)) !== undefined
    this.log.debug({ taskId, remotePeer: from, held }, 'result acked')
    return { type: 'result_ack_reply', id, taskId, held }
  }

  /** At stop, nothing waiting is dropped: it all goes to the (durable) outbox. */
  stop(): void {
    for (const key of [...this.awaiting.keys()]) {
      const entry = this.settle(key)
      if (entry !== undefined) this.hold(entry.result)
    }
  }

  private settle(key: string): Awaiting | undefined {
    const entry = this.awaiting.get(key)
    if (entry === undefined) return undefined
    this.awaiting.delete(key)
    clearTimeout(entry.timer)
    entry.stopWatching()
    return entry
  }
}

/** Only a final answer is kept; busy and no_agent are not results, and a cancelled task's origin stopped waiting. */
function needsAck(result: TaskResultMessage): boolean {
  return (result.status === 'completed' || result.status === 'failed') && result.error?.code !== 'cancelled'
}

const keyOf = (peer: string, taskId: string): string => `${peer} ${taskId}`

/**
 * The requester's side: acknowledge a final result read from `peer`. A peer
 * older than 1.6 answers `unknown_type` (it never waits for acks), which is
 * not an error; any other failure only makes the peer push the result again.
 */
export function ackResult(
  rpc: Pick<Rpc, 'request'>,
  peer: string,
  result: TaskResultMessage,
  log: Logger
): void {
  if (!needsAck(result)) return
  rpc
    .request(resultAck, peerIdFromString(peer), { taskId: result.taskId }, { timeoutMs: ACK_SEND_TIMEOUT_MS })
    .catch((err: Error) => {
      const old = err instanceof RemoteProtocolError && err.code === 'unknown_type'
      log.debug(
        { taskId: result.taskId, remotePeer: peer, err: err.message, old },
        'result_ack not delivered'
      )
    })
}
