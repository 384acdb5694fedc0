import type { BufferedPiece, TaskDispatcher, TaskStreams } from '@mesh-node/dispatch'
import type { TaskJournal } from '@mesh-node/journal'
import { badRequest, notFound } from './api-error.js'
import type { Route } from './server.js'

const KEEP_ALIVE_MS = 15_000
/** A reader this far behind is cut off rather than buffered for. */
const MAX_UNSENT_BYTES = 1024 * 1024

export interface StreamRouteInit {
  journal: TaskJournal
  dispatcher: TaskDispatcher
  streams: TaskStreams
  /** The answer shape of a finished task (as POST /v1/tasks with wait). */
  resultOf: (task: NonNullable<ReturnType<TaskJournal['get']>>) => unknown
}

/**
 * `GET /v1/tasks/:id/stream`: server-sent events of a task submitted here.
 * Each streamed piece is an event `progress` or `partial` with a numbered
 * `id`; a reader that reconnects with `Last-Event-ID: N` (or `?after=N`)
 * gets only later pieces. The stream ends with one `result` event, the
 * task's final answer as journaled, whenever the reader joined.
 */
export function taskStreamRoute({ journal, dispatcher, streams, resultOf }: StreamRouteInit): Route {
  return {
    method: 'GET',
    path: '/v1/tasks/:id/stream',
    raw: true,
    handler: ({ param, query, req, res }) => {
      const id = param('id')
      const task = journal.get(id)
      if (task == null) throw notFound(`no task ${id} was submitted on this node`, 'unknown_task')
      const after = lastEventId(req.headers['last-event-id'], query.get('after'))
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive'
      })
      const write = (text: string) => {
        // A reader that stopped reading loses its stream, not our memory.
        if (res.writableLength > MAX_UNSENT_BYTES) res.destroy()
        else res.write(text)
      }
      const gone = new AbortController()
      const unfollow = streams.follow(task.taskId, after, (entry: BufferedPiece) =>
        write(`id: ${entry.id}\nevent: ${entry.piece.kind}\ndata: ${JSON.stringify(entry.piece)}\n\n`)
      )
      const keepAlive = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS)
      keepAlive.unref()
      const close = () => {
        clearInterval(keepAlive)
        unfollow()
        gone.abort(new Error('reader went away'))
      }
      res.on('close', close)
      dispatcher.wait(task.taskId, gone.signal).then(
        (done) => {
          write(`event: result\ndata: ${JSON.stringify(resultOf(done))}\n\n`)
          res.end()
          close()
        },
        () => close()
      )
    }
  }
}

function lastEventId(header: string | string[] | undefined, after: string | null): number {
  const raw = (Array.isArray(header) ? header[0] : header) ?? after ?? '0'
  const id = Number(raw)
  if (!Number.isInteger(id) || id < 0)
    throw badRequest(
      `Last-Event-ID (or ?after) must be an event id, a whole number >= 0 (got ${JSON.stringify(raw)})`
    )
  return id
}
