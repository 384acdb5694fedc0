import { peerIdFromString } from '@libp2p/peer-id'
import {
  MAX_PIECE_CHARS,
  MAX_PIECES_PER_PEER_PER_S,
  MAX_PIECES_PER_TASK_PER_S,
  type PieceAckMessage,
  type TaskPieceMessage
} from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { taskPiece } from './messages/task-piece.js'

/** A piece of a running task as the origin hands it on (to the API's stream). */
export type StreamedPiece = Omit<TaskPieceMessage, 'type' | 'id'>

/**
 * Why a piece went no further: over MAX_PIECE_CHARS (`too_large`), over the
 * per-task or per-peer rate, beyond the sends in flight per task
 * (`backpressure`), sent by a peer that is not the task's next hop
 * (`not_executor`), or refused or lost by the peer it was sent to (`refused`).
 */
export type PieceDropReason =
  | 'too_large'
  | 'task_rate'
  | 'peer_rate'
  | 'backpressure'
  | 'not_executor'
  | 'refused'

export interface TaskPiecesComponents {
  rpc: Pick<Rpc, 'request'>
  selfPeerId: string
  log: Logger
}

/** Where a task's pieces go from here: to the peer that sent it the task, or (undefined) this node is the origin. */
export type Upstream = string | undefined

export interface PieceEmitter {
  emit(piece: { kind: 'progress' | 'partial'; data: unknown; agent?: string }): void
  /** Stops taking pieces; resolves once those sent are answered (at most DRAIN_MS), so the result goes after them. */
  close(): Promise<void>
}

/**
 * Streamed pieces of running tasks (docs/PROTOCOL.md §5.6). They travel
 * hop by hop, the way the task came: each node accepts pieces for a task
 * only from the peer it handed that task to (`expect`), and relays them to
 * the peer it got the task from, or, at the origin, to its listeners. Every
 * bound drops and counts instead of queueing: a piece over MAX_PIECE_CHARS,
 * over the per-task or per-peer rate, or beyond 8 sends in flight per task.
 */
export interface TaskPieces {
  /**
   * Accept pieces of `taskId` from `peer` (and only from it) until the
   * returned release is called; it resolves once the relayed pieces are
   * answered upstream (at most DRAIN_MS), so the result goes after them.
   */
  expect(taskId: string, peer: string, upstream: Upstream): () => Promise<void>
  /** For this node's own agent running `taskId`: numbers its pieces and sends them on. */
  emitter(taskId: string, upstream: Upstream): PieceEmitter
  receive(msg: TaskPieceMessage, from: string): PieceAckMessage
  /** Pieces of tasks that originated here; returns an unsubscribe function. */
  onPiece(listener: (piece: StreamedPiece) => void): () => void
  /** Pieces dropped so far, by reason. */
  dropped(): Record<PieceDropReason, number>
}

const MAX_IN_FLIGHT_PER_TASK = 8
const MAX_PEER_BUCKETS = 1024
const SEND_TIMEOUT_MS = 5000
const DRAIN_MS = 2000

/** A token bucket: `rate` per second, bursts of twice that. */
class Bucket {
  private tokens: number
  private at = Date.now()
  constructor(private readonly rate: number) {
    this.tokens = rate * 2
  }
  take(): boolean {
    const now = Date.now()
    this.tokens = Math.min(this.rate * 2, this.tokens + ((now - this.at) / 1000) * this.rate)
    this.at = now
    if (this.tokens < 1) return false
    this.tokens--
    return true
  }
}

/** Pieces sent and not yet answered, for one task on this node. */
interface Outgoing {
  sends: Set<Promise<void>>
}

interface Route extends Outgoing {
  peer: string
  upstream: Upstream
  bucket: Bucket
}

async function drain(out: Outgoing): Promise<void> {
  if (out.sends.size === 0) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    Promise.allSettled([...out.sends]),
    new Promise((resolve) => {
      timer = setTimeout(resolve, DRAIN_MS)
    })
  ])
  clearTimeout(timer)
}

class DefaultTaskPieces implements TaskPieces {
  private readonly routes = new Map<string, Route>()
  private readonly peers = new Map<string, Bucket>()
  private readonly listeners = new Set<(piece: StreamedPiece) => void>()
  private readonly drops: Record<PieceDropReason, number> = {
    too_large: 0,
    task_rate: 0,
    peer_rate: 0,
    backpressure: 0,
    not_executor: 0,
    refused: 0
  }

  constructor(private readonly c: TaskPiecesComponents) {}

  expect(taskId: string, peer: string, upstream: Upstream): () => Promise<void> {
    const route: Route = { peer, upstream, bucket: new Bucket(MAX_PIECES_PER_TASK_PER_S), sends: new Set() }
    this.routes.set(taskId, route)
    return async () => {
      if (this.routes.get(taskId) === route) this.routes.delete(taskId)
      await drain(route)
    }
  }

  emitter(taskId: string, upstream: Upstream): PieceEmitter {
    const bucket = new Bucket(MAX_PIECES_PER_TASK_PER_S)
    const out: Outgoing = { sends: new Set() }
    let seq = 0
    let closed = false
    return {
      emit: ({ kind, data, agent }) => {
        if (closed) return
        if (!fits(data)) {
          this.drop('too_large', taskId)
          return
        }
        if (!bucket.take()) {
          this.drop('task_rate', taskId)
          return
        }
        seq++
        const piece: StreamedPiece = { taskId, seq, kind, data, executor: this.c.selfPeerId }
        if (agent !== undefined) piece.agent = agent
        this.forward(piece, upstream, out)
      },
      close: async () => {
        closed = true
        await drain(out)
      }
    }
  }

  receive(msg: TaskPieceMessage, from: string): PieceAckMessage {
    const ack = (accepted: boolean, reason?: PieceDropReason): PieceAckMessage => ({
      type: 'piece_ack',
      id: msg.id,
      taskId: msg.taskId,
      accepted,
      ...(reason !== undefined ? { reason } : {})
    })
    const route = this.routes.get(msg.taskId)
    // Only the peer this node handed the task to may speak for it.
    if (route === undefined || route.peer !== from) {
      this.drop('not_executor', msg.taskId, from)
      return ack(false, 'not_executor')
    }
    if (!this.peerBucket(from).take()) return this.refuse(ack, 'peer_rate', msg.taskId, from)
    if (!route.bucket.take()) return this.refuse(ack, 'task_rate', msg.taskId, from)
    if (!fits(msg.data)) return this.refuse(ack, 'too_large', msg.taskId, from)
    const { type: _t, id: _i, ...piece } = msg
    this.forward(piece, route.upstream, route)
    return ack(true)
  }

  onPiece(listener: (piece: StreamedPiece) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  dropped(): Record<PieceDropReason, number> {
    return { ...this.drops }
  }

  private forward(piece: StreamedPiece, upstream: Upstream, out: Outgoing): void {
    if (upstream === undefined) {
      for (const listener of this.listeners) {
        try {
          listener(piece)
        } catch (err) {
          this.c.log.warn({ taskId: piece.taskId, err: (err as Error).message }, 'piece listener threw')
        }
      }
      return
    }
    if (out.sends.size >= MAX_IN_FLIGHT_PER_TASK) {
      this.drop('backpressure', piece.taskId)
      return
    }
    const send: Promise<void> = this.c.rpc
      .request(taskPiece, peerIdFromString(upstream), piece, { timeoutMs: SEND_TIMEOUT_MS })
      .then(
        (ack) => {
          if (!ack.accepted) this.drop('refused', piece.taskId, upstream, ack.reason)
        },
        (err: Error) => this.drop('refused', piece.taskId, upstream, err.message)
      )
      .finally(() => out.sends.delete(send))
    out.sends.add(send)
  }

  private peerBucket(peer: string): Bucket {
    let bucket = this.peers.get(peer)
    if (bucket === undefined) {
      bucket = new Bucket(MAX_PIECES_PER_PEER_PER_S)
      this.peers.set(peer, bucket)
      // Oldest first: a peer seen long ago starts again with a full bucket.
      if (this.peers.size > MAX_PEER_BUCKETS) this.peers.delete(this.peers.keys().next().value as string)
    }
    return bucket
  }

  private refuse(
    ack: (accepted: boolean, reason: PieceDropReason) => PieceAckMessage,
    reason: PieceDropReason,
    taskId: string,
    from: string
  ): PieceAckMessage {
    this.drop(reason, taskId, from)
    return ack(false, reason)
  }

  private drop(reason: PieceDropReason, taskId: string, remotePeer?: string, detail?: string): void {
    this.drops[reason]++
    this.c.log.debug({ taskId, remotePeer, reason, detail }, 'task piece dropped')
  }
}

function fits(data: unknown): boolean {
  try {
    return (JSON.stringify(data) ?? 'null').length <= MAX_PIECE_CHARS
  } catch {
    return false
  }
}

export function createTaskPieces(components: TaskPiecesComponents): TaskPieces {
  return new DefaultTaskPieces(components)
}
