import type { MeshConfig } from '@mesh-node/config'
import { createTaskJournal, type TaskJournal } from '@mesh-node/journal'
import type { MeshDatabase } from '@mesh-node/store'
import type { Logger } from '../logger.js'
import type { Cleanups } from './cleanups.js'

/** How often the journal is pruned by age and size; at 100 tasks/s that is 30,000 tasks between runs. */
const PRUNE_INTERVAL_MS = 300_000

/**
 * The task journal, with what the last crash left behind settled and old
 * history pruned: at start, then every few minutes. Finished history is
 * kept for a while and within a size; unfinished work never is pruned.
 */
export function openJournal(
  db: MeshDatabase,
  config: MeshConfig,
  log: Logger,
  cleanups: Cleanups
): TaskJournal {
  const journal = createTaskJournal(db, { executionsMaxBytes: config.tasks.executionsMaxBytes })
  const abandoned = journal.abandonRunningExecutions()
  if (abandoned > 0)
    log.warn({ count: abandoned }, 'executions cut short by the last crash are marked failed')
  const prune = (): void => {
    try {
      const { retentionMs: olderThanMs, retentionMaxBytes: maxBytes } = config.tasks
      const removed = journal.prune({ olderThanMs, maxBytes })
      if (removed > 0) log.info({ removed }, 'pruned old tasks and executions from the journal')
    } catch (err) {
      log.warn({ err }, 'journal prune failed')
    }
  }
  prune()
  const pruning = setInterval(prune, PRUNE_INTERVAL_MS)
  pruning.unref()
  cleanups.push(() => clearInterval(pruning))
  return journal
}
