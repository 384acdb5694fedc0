import { peerIdFromString } from '@libp2p/peer-id'
import type { TaskResultMessage } from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { resultDelivery } from './messages/result-delivery.js'

/** Where undelivered results wait; the task journal implements it durably. */
export interface OutboxStore {
  outboxPut(entry: { taskId: string; origin: string; message: unknown }): void
  outboxDue(
    now?: number,
    limit?: number
  ): Array<{ taskId: string; origin: string; message: unknown; attempts: number }>
  outboxForOrigin(
    origin: string
  ): Array<{ taskId: string; origin: string; message: unknown; attempts: number }>
  outboxDeferred(taskId: string, nextAttemptAt: number): void
  outboxRemove(taskId: string): void
}

export interface OutboxDeliveryComponents {
  store: OutboxStore
  rpc: Pick<Rpc, 'request'>
  log: Logger
}

export interface OutboxDelivery {
  /** Keeps a result whose origin could not be told. */
  hold(result: TaskResultMessage): void
  /** Tries to deliver everything held for `origin` now (it just came back). */
  flush(origin: string): Promise<void>
  start(): void
  stop(): void
}

/**
 * Executors push results their origin missed: at once when the origin
 * reconnects, otherwise on a backoff schedule. The origin applies a result
 * only to a task still open, so a duplicate delivery changes nothing.
 */
export function createOutboxDelivery(
  components: OutboxDeliveryComponents,
  init: { retryMs?: number } = {}
): OutboxDelivery {
  const { store, rpc, log } = components
  const base = init.retryMs ?? 2000
  let timer: NodeJS.Timeout | undefined
  const inflight = new Set<string>()

  const deliver = async (entry: {
    taskId: string
    origin: string
    message: unknown
    attempts: number
  }): Promise<void> => {
    if (inflight.has(entry.taskId)) return
    inflight.add(entry.taskId)
    try {
      const result = entry.message as Omit<TaskResultMessage, 'type' | 'id'>
      await rpc.request(resultDelivery, peerIdFromString(entry.origin), { result }, { timeoutMs: 5000 })
      store.outboxRemove(entry.taskId)
      log.info({ taskId: entry.taskId, origin: entry.origin }, 'delivered a held result')
    } catch (err) {
      const wait = Math.min(base * 2 ** Math.min(entry.attempts, 10), 5 * 60_000)
      store.outboxDeferred(entry.taskId, Date.now() + wait)
      log.debug({ taskId: entry.taskId, err: (err as Error).message }, 'result delivery failed; will retry')
    } finally {
      inflight.delete(entry.taskId)
    }
  }

  return {
    hold: (result) => {
      const origin = result.path[0]
      if (origin == null) return
      const { type: _type, id: _id, ...rest } = result
      // A held result must fit one frame when it is finally delivered.
      const message =
        JSON.stringify(rest).length > 900 * 1024
          ? {
              ...rest,
              status: 'failed',
              result: undefined,
              error: { code: 'result_too_large', message: 'the result was too large to deliver' }
            }
          : rest
      store.outboxPut({ taskId: result.taskId, origin, message })
      log.info({ taskId: result.taskId, origin }, 'origin unreachable: holding the result in the outbox')
    },
    flush: async (origin) => {
      await Promise.all(store.outboxForOrigin(origin).map(deliver))
    },
    start: () => {
      timer = setInterval(() => {
        for (const entry of store.outboxDue(Date.now(), 32)) void deliver(entry)
      }, base)
      timer.unref()
    },
    stop: () => {
      clearInterval(timer)
    }
  }
}

/** For nodes without a journal (tests, embedding): held results last until exit. */
export function memoryOutbox(): OutboxStore {
  const entries = new Map<
    string,
    { taskId: string; origin: string; message: unknown; attempts: number; nextAttemptAt: number }
  >()
  return {
    outboxPut: (e) => {
      entries.set(e.taskId, { ...e, attempts: 0, nextAttemptAt: Date.now() })
    },
    outboxDue: (now = Date.now(), limit = 32) =>
      [...entries.values()].filter((e) => e.nextAttemptAt <= now).slice(0, limit),
    outboxForOrigin: (origin) => [...entries.values()].filter((e) => e.origin === origin),
    outboxDeferred: (taskId, nextAttemptAt) => {
      const e = entries.get(taskId)
      if (e != null) {
        e.attempts++
        e.nextAttemptAt = nextAttemptAt
      }
    },
    outboxRemove: (taskId) => {
      entries.delete(taskId)
    }
  }
}
