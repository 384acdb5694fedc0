import assert from 'node:assert/strict'
import { DatabaseSync } from 'node:sqlite'
import { describe, it } from 'node:test'
import { createTaskJournal } from '@mesh-node/journal'
import type { CapabilityRegistry } from '@mesh-node/membership'
import type { Tasks } from '@mesh-node/tasks'
import pino from 'pino'
import { createTaskDispatcher, DEADLINE_SLACK_MS } from '../src/index.js'

/** A registry that knows one remote agent for every capability, so nothing waits in warm-up. */
const registry = {
  all: () => [{ peerId: 'peer-a', agent: 'a', capabilities: ['work'], local: false }],
  find: () => [{ peerId: 'peer-a', agent: 'a', capabilities: ['work'], local: false }],
  onEvent: () => () => undefined
} as unknown as CapabilityRegistry

function dispatcherWith(submit: Tasks['submit']) {
  const journal = createTaskJournal(new DatabaseSync(':memory:'))
  const dispatcher = createTaskDispatcher(
    { journal, tasks: { submit }, registry, selfPeerId: 'self', log: pino({ level: 'silent' }) },
    { warmupMs: 0 }
  )
  dispatcher.start()
  return dispatcher
}

describe('the deadline guard', () => {
  it('fails a task whose dispatch hangs past its deadline with timeout, once the slack is over', async () => {
    // The hang the guard is for: a send that answers neither by its deadline nor on abort.
    const dispatcher = dispatcherWith(async () => await new Promise(() => undefined))
    const started = Date.now()
    const task = dispatcher.submit({ capability: 'work', input: 1, timeoutMs: 200, queue: false })
    const ended = await dispatcher.wait(task.taskId, AbortSignal.timeout(10_000))
    const tookMs = Date.now() - started
    dispatcher.stop()
    assert.equal(ended.status, 'failed')
    assert.equal(ended.error?.code, 'timeout')
    assert.ok(tookMs >= 200 + DEADLINE_SLACK_MS - 50, `not before deadline + slack: ${tookMs} ms`)
    assert.ok(tookMs < 200 + DEADLINE_SLACK_MS + 2000, `soon after deadline + slack: ${tookMs} ms`)
  })

  it('leaves a task that finished in time alone', async () => {
    const dispatcher = dispatcherWith(async (options) => ({
      taskId: options.taskId ?? 'unknown',
      status: 'completed',
      result: 'done',
      executor: 'peer-a',
      path: ['self', 'peer-a']
    }))
    const task = dispatcher.submit({ capability: 'work', input: 1, timeoutMs: 200, queue: false })
    const ended = await dispatcher.wait(task.taskId, AbortSignal.timeout(10_000))
    assert.equal(ended.status, 'completed')
    // Proving that nothing happens takes the time it would have happened in: past deadline + slack.
    await new Promise((resolve) => setTimeout(resolve, 200 + DEADLINE_SLACK_MS + 200))
    dispatcher.stop()
    const later = await dispatcher.wait(task.taskId)
    assert.equal(later.status, 'completed')
    assert.equal(later.result, 'done')
  })
})
