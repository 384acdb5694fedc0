import assert from 'node:assert/strict'
import { DatabaseSync } from 'node:sqlite'
import { describe, it } from 'node:test'
import { createTaskJournal, type NewTask, type TaskJournal } from '@mesh-node/journal'
import { JournalWrites } from '../src/journal-writes.js'

const newTask = (taskId: string): NewTask => ({
  taskId,
  capability: 'work',
  input: { n: 1 },
  origin: 'self',
  timeoutMs: 30_000,
  queue: false,
  deadline: Date.now() + 30_000
})

describe('the journal writes of one turn', () => {
  it('commit together, once, and each promise settles after that commit with its own outcome', async () => {
    const journal = createTaskJournal(new DatabaseSync(':memory:'))
    const groups: number[] = []
    const counted: Pick<TaskJournal, 'group'> = {
      group: (writes) => {
        groups.push(writes.length)
        return journal.group(writes)
      }
    }
    const accepted: number[] = []
    const writes = new JournalWrites(counted, (n) => accepted.push(n))
    const changes: string[] = []
    journal.onChange((t) => changes.push(`${t.taskId}:${t.status}`))
    const a = writes.run(() => journal.accept(newTask('a')), 'accept')
    const b = writes.run(() => journal.accept(newTask('b')), 'accept')
    const dup = writes.run(() => journal.accept(newTask('a')), 'accept')
    assert.deepEqual(changes, [], 'nothing announced before the commit')
    assert.equal((await a).taskId, 'a')
    assert.equal((await b).taskId, 'b')
    await assert.rejects(dup, /already accepted/)
    assert.deepEqual(groups, [3], 'one commit for the turn')
    assert.deepEqual(accepted, [3])
    assert.deepEqual(changes, ['a:queued', 'b:queued'])
    const started = writes.run(() => journal.startAttempt('a', 'peer-1'))
    const done = writes.run(() => journal.complete('b', { result: 1, executor: 'peer-2' }))
    assert.equal((await started).n, 1)
    assert.equal((await done).status, 'completed')
    assert.deepEqual(groups, [3, 2], 'the next turn, the next commit')
    assert.equal(journal.get('a')?.status, 'assigned')
  })
})
