import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { TaskRequestMessage, TaskResultMessage } from '@mesh-node/protocol'
import { ResultAcks } from '@mesh-node/task-relay'
import pino from 'pino'

const log = pino({ level: 'silent' })

async function setup() {
  const requester = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const held: TaskResultMessage[] = []
  const acks = new ResultAcks((r) => held.push(r), log)
  const result = (taskId: string, status: TaskResultMessage['status'] = 'completed'): TaskResultMessage => ({
    type: 'task_result',
    id: 'q',
    taskId,
    status,
    result: 'ok',
    path: [requester.toString()]
  })
  const request = (acksOn: boolean) => ({ acks: acksOn }) as unknown as TaskRequestMessage
  return { requester, held, acks, result, request }
}

describe('result acks (message set 1.6)', () => {
  it('a result whose session closes before the ack goes to the outbox; an acked one does not', async () => {
    const { requester, held, acks, result, request } = await setup()
    const lost = new AbortController()
    acks.sent(result('lost'), request(true), requester, lost.signal)
    acks.sent(result('acked'), request(true), requester, new AbortController().signal)
    assert.deepEqual(acks.receive('acked', requester.toString(), 'a1'), {
      type: 'result_ack_reply',
      id: 'a1',
      taskId: 'acked',
      held: true
    })
    assert.equal(held.length, 0)
    lost.abort()
    assert.deepEqual(
      held.map((r) => r.taskId),
      ['lost']
    )
    // Acks after the fact, and acks from another peer, find nothing.
    assert.equal(acks.receive('lost', requester.toString(), 'a2').held, false)
    acks.stop()
    assert.equal(held.length, 1)
  })

  it('a requester older than 1.6 (no acks field), and busy answers, are not kept', async () => {
    const { requester, held, acks, result, request } = await setup()
    const closed = new AbortController()
    acks.sent(result('old'), request(false), requester, closed.signal)
    acks.sent(result('busy', 'busy'), request(true), requester, closed.signal)
    closed.abort()
    assert.equal(held.length, 0)
  })

  it('at stop every result still waiting for an ack goes to the outbox', async () => {
    const { requester, held, acks, result, request } = await setup()
    acks.sent(result('a'), request(true), requester, new AbortController().signal)
    acks.sent(result('b', 'failed'), request(true), requester, new AbortController().signal)
    acks.stop()
    assert.deepEqual(held.map((r) => r.taskId).sort(), ['a', 'b'])
  })
})
