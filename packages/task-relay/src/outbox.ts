import { peerIdFromString } from '@libp2p/peer-id'
import type { TaskResultMessage } from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { resultDelivery } from './messages/result-delivery.js'
import { OUTBOX_DEFAULTS, type OutboxBounds, OutboxLedger } from './outbox-bounds.js'

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
  /** What is held, without the messages (their size in bytes instead), to rebuild the books at start. */
  outboxIndex?(): Array<{ taskId: string; origin: string; bytes: number; createdAt: number }>
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
 *
 * Everything held is bounded (`OutboxBounds`): in count and bytes, in all and
 * per origin, in age and failed attempts. Past a bound the oldest result is
 * given up and logged, so results for origins that never come back cost
 * bounded memory and disk. At most a few deliveries (and bytes) are under way
 * at once, and the store is read only for those.
 */
export function createOutboxDelivery(
  components: OutboxDeliveryComponents,
  init: { retryMs?: number; bounds?: OutboxBounds } = {}
): OutboxDelivery {
  const { store, rpc, log } = components
  const base = init.retryMs ?? 2000
  const bounds = { ...OUTBOX_DEFAULTS, ...init.bounds }
  const ledger = new OutboxLedger(bounds)
  for (const e of store.outboxIndex?.() ?? []) ledger.admit(e.taskId, e.origin, e.bytes, e.createdAt)
  let timer: NodeJS.Timeout | undefined
  const inflight = new Map<string, number>()
  const inflightBytes = (): number => [...inflight.values()].reduce((a, b) => a + b, 0)
  const room = (): boolean => inflight.size < bounds.maxInflight && inflightBytes() < bounds.maxInflightBytes

  const giveUp = (taskId: string, why: string): void => {
    ledger.remove(taskId)
    store.outboxRemove(taskId)
    log.warn({ taskId, why }, 'gave up delivering a held result')
  }

  const deliver = deliverer({ store, rpc, log }, ledger, inflight, giveUp, { base, bounds })

  const tick = (): void => {
    const now = Date.now()
    for (const taskId of ledger.expired(now)) giveUp(taskId, `held over ${bounds.maxAgeMs} ms`)
    if (!room()) return
    for (const entry of store.outboxDue(now, bounds.maxInflight - inflight.size)) {
      if (!room()) break
      void deliver(entry)
    }
  }

  return {
    hold: (result) => {
      const origin = result.path[0]
      if (origin == null) return
      const { message, bytes } = heldMessage(result)
      store.outboxPut({ taskId: result.taskId, origin, message })
      for (const evicted of ledger.admit(result.taskId, origin, bytes, Date.now()))
        giveUp(evicted, 'the outbox is full')
      log.info({ taskId: result.taskId, origin }, 'origin unreachable: holding the result in the outbox')
    },
    flush: async (origin) => {
      // One at a time within the same bounds: an origin may hold up to 16 MiB.
      for (const entry of store.outboxForOrigin(origin)) {
        if (!room()) break
        await deliver(entry)
      }
    },
    start: () => {
      timer = setInterval(tick, base)
      timer.unref()
    },
    stop: () => {
      clearInterval(timer)
    }
  }
}

/** One delivery of a held result, with backoff after a failure and a bound on attempts. */
function deliverer(
  { store, rpc, log }: OutboxDeliveryComponents,
  ledger: OutboxLedger,
  inflight: Map<string, number>,
  giveUp: (taskId: string, why: string) => void,
  { base, bounds }: { base: number; bounds: Required<OutboxBounds> }
): (entry: OutboxEntry) => Promise<void> {
  return async (entry) => {
    if (inflight.has(entry.taskId)) return
    inflight.set(entry.taskId, ledger.bytesOf(entry.taskId))
    try {
      const result = entry.message as Omit<TaskResultMessage, 'type' | 'id'>
      await rpc.request(resultDelivery, peerIdFromString(entry.origin), { result }, { timeoutMs: 5000 })
      ledger.remove(entry.taskId)
      store.outboxRemove(entry.taskId)
      log.info({ taskId: entry.taskId, origin: entry.origin }, 'delivered a held result')
    } catch (err) {
      if (entry.attempts + 1 >= bounds.maxAttempts)
        giveUp(entry.taskId, `${entry.attempts + 1} failed deliveries`)
      else {
        const wait = Math.min(base * 2 ** Math.min(entry.attempts, 10), 5 * 60_000)
        store.outboxDeferred(entry.taskId, Date.now() + wait)
      }
      log.debug({ taskId: entry.taskId, err: (err as Error).message }, 'result delivery failed; will retry')
    } finally {
      inflight.delete(entry.taskId)
    }
  }
}

/** What is stored of a held result: it must fit one frame when it is finally delivered. */
function heldMessage(result: TaskResultMessage): { message: unknown; bytes: number } {
  const { type: _type, id: _id, ...rest } = result
  const json = JSON.stringify(rest)
  if (json.length <= 900 * 1024) return { message: rest, bytes: json.length }
  const error = { code: 'result_too_large', message: 'the result was too large to deliver' }
  return { message: { ...rest, status: 'failed', result: undefined, error }, bytes: 1024 }
}

type OutboxEntry = { taskId: string; origin: string; message: unknown; attempts: number }

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
