import type { ServerResponse } from 'node:http'

/** One line of the API's event stream. */
export interface MeshEvent {
  type: string
  at: number
  [field: string]: unknown
}

export interface EventHub {
  publish(event: Omit<MeshEvent, 'at'>): void
  /** Streams events to an HTTP response as server-sent events until it closes. */
  attach(res: ServerResponse, filter?: (event: MeshEvent) => boolean): void
  close(): void
}

/**
 * Fans mesh events out to SSE clients. A client that stops reading is
 * dropped once its socket buffer passes a bound, so it cannot grow memory.
 */
export function createEventHub(init: { maxBufferedBytes?: number; keepAliveMs?: number } = {}): EventHub {
  const clients = new Set<{ res: ServerResponse; filter?: (event: MeshEvent) => boolean }>()
  const maxBuffered = init.maxBufferedBytes ?? 1024 * 1024
  const keepAlive = setInterval(() => {
    for (const c of clients) c.res.write(': keep-alive\n\n')
  }, init.keepAliveMs ?? 15_000)
  keepAlive.unref()

  return {
    publish(event) {
      const full: MeshEvent = { ...event, at: Date.now() } as MeshEvent
      const frame = `event: ${full.type}\ndata: ${JSON.stringify(full)}\n\n`
      for (const c of clients) {
        if (c.filter != null && !c.filter(full)) continue
        if (c.res.writableLength > maxBuffered) {
          c.res.destroy()
          clients.delete(c)
          continue
        }
        c.res.write(frame)
      }
    },
    attach(res, filter) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive'
      })
      res.write(': connected\n\n')
      const client = { res, filter }
      clients.add(client)
      res.on('close', () => clients.delete(client))
    },
    close() {
      clearInterval(keepAlive)
      for (const c of clients) c.res.end()
      clients.clear()
    }
  }
}
