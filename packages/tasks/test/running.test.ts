import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { CapabilityRegistry } from '@mesh-node/membership'
import type { Discovery } from '@mesh-node/routing'
import { TransportError } from '@mesh-node/rpc'
import {
  CancelTable,
  CONFIRM_AFTER_MS,
  isAbandoned,
  RunningTable,
  SilentPeers,
  startTiming,
  TaskCancelledError,
  traceFor
} from '@mesh-node/task-relay'
import pino from 'pino'
import { TaskEvents } from '../src/events.js'
import { Forwarder, type ForwarderComponents } from '../src/forwarder.js'
import type { TaskState } from '../src/task-state.js'

const log = pino({ level: 'silent' })
const newPeer = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const running = (taskId: string, executor: string) => ({
  type: 'task_running' as const,
  id: 'r',
  taskId,
  executor
})

/** An rpc that records what it is asked to send, and answers task_running with an ack. */
function recordingRpc() {
  const sent: Array<{ type: string; peer: string; body: Record<string, unknown> }> = []
  return {
    sent,
    rpc: {
      request: async (def: { type: string }, peer: { toString(): string }, body: Record<string, unknown>) => {
        sent.push({ type: def.type, peer: peer.toString(), body })
        return { type: 'running_ack', id: 'x', taskId: body.taskId, accepted: true }
      }
    }
  }
}

/** A forwarder on `rpc` whose other parts do nothing; `parts` replaces any of them. */
function testForwarder(rpc: unknown, parts: Partial<ForwarderComponents> = {}, transportRetries = 0) {
  return new Forwarder(
    {
      rpc: rpc as never,
      registry: {
        isAvailable: () => true,
        isDead: () => false,
        find: () => []
      } as unknown as CapabilityRegistry,
      discovery: {} as Discovery,
      cancels: { passOn: () => () => {}, abandon: () => {} } as unknown as CancelTable,
      events: new TaskEvents(),
      selfPeerId: 'self',
      log,
      silence: new SilentPeers(),
      ...parts
    },
    { maxHops: 3, transportRetries }
  )
}

/** Task `t` at the origin ('self') with `msLeft` to its deadline; `fields` replaces any field. */
function taskState(msLeft: number, fields: Partial<TaskState> = {}): TaskState {
  return {
    taskId: 't',
    capability: 'echo',
    input: 1,
    from: 'self',
    deadline: Date.now() + msLeft,
    hops: 0,
    path: ['self'],
    trace: traceFor('t', undefined),
    timing: startTiming(),
    ...fields
  }
}

describe('task_running confirmations', () => {
  it('takes one confirmation per attempt, only from the peer handed the task, and relays it upstream', async () => {
    const [peer, other, upstream] = await Promise.all([newPeer(), newPeer(), newPeer()])
    const { rpc, sent } = recordingRpc()
    const table = new RunningTable({ rpc: rpc as never, selfPeerId: 'self', log })
    let confirmed = 0
    const release = table.expect('t', peer, upstream, () => confirmed++)
    assert.deepEqual(table.receive(running('t', 'e'), other), {
      type: 'running_ack',
      id: 'r',
      taskId: 't',
      accepted: false,
      reason: 'not_expected'
    })
    assert.equal(table.receive(running('u', 'e'), peer).reason, 'not_expected', 'another task')
    assert.equal(table.receive(running('t', 'e'), peer).accepted, true)
    assert.equal(table.receive(running('t', 'e'), peer).reason, 'duplicate')
    assert.equal(confirmed, 1)
    assert.deepEqual(sent, [{ type: 'task_running', peer: upstream, body: { taskId: 't', executor: 'e' } }])
    release()
    assert.equal(table.receive(running('t', 'e'), peer).reason, 'not_expected', 'the attempt is over')
  })

  it('confirms a run of its own only once it has lasted CONFIRM_AFTER_MS', async () => {
    const upstream = await newPeer()
    const { rpc, sent } = recordingRpc()
    const table = new RunningTable({ rpc: rpc as never, selfPeerId: 'me', log })
    table.started('quick', upstream)()
    table.started('long', upstream)
    await new Promise((r) => setTimeout(r, CONFIRM_AFTER_MS + 50))
    assert.deepEqual(sent, [
      { type: 'task_running', peer: upstream, body: { taskId: 'long', executor: 'me' } }
    ])
  })
})

describe('the attempt timeout stops at a confirmation', () => {
  /** A peer that answers the task after `answerMs`, confirming it after `confirmMs` if given. */
  async function attempt(answerMs: number, confirmMs?: number) {
    const peer = await newPeer()
    const abandoned: string[] = []
    const table = new RunningTable({ rpc: recordingRpc().rpc as never, selfPeerId: 'self', log })
    const rpc = {
      request: async (
        _def: unknown,
        _peer: unknown,
        body: { taskId: string },
        opts: { signal: AbortSignal }
      ) => {
        if (confirmMs !== undefined)
          setTimeout(() => table.receive(running(body.taskId, peer), peer), confirmMs)
        return await new Promise((resolve, reject) => {
          const t = setTimeout(
            () =>
              resolve({ type: 'task_result', id: 'x', taskId: body.taskId, status: 'completed', path: [] }),
            answerMs
          )
          opts.signal.addEventListener('abort', () => {
            clearTimeout(t)
            reject(new TransportError('aborted', 'timeout'))
          })
        })
      }
    }
    const silence = new SilentPeers()
    const cancels = { passOn: () => () => {}, abandon: (p: string) => abandoned.push(p) }
    const f = testForwarder(rpc, { cancels: cancels as unknown as CancelTable, silence, running: table }, 2)
    // 3 s left: the first of two candidates gets the 2 s floor.
    const step = await f.tryPeer(peer, taskState(3_000), false)
    return { step, abandoned, penalised: silence.isPenalised(peer), peer }
  }

  it('waits past the attempt timeout for a peer that confirmed', async () => {
    const { step, abandoned, penalised } = await attempt(2_500, 50)
    assert.equal(step.kind, 'done')
    assert.deepEqual(abandoned, [])
    assert.equal(penalised, false)
  })

  it('gives up on a peer that never confirmed, scores it down and cancels its attempt', async () => {
    const { step, abandoned, penalised, peer } = await attempt(2_500)
    assert.equal(step.kind, 'lost')
    assert.deepEqual(abandoned, [peer])
    assert.equal(penalised, true)
  })
})

describe('a cancel of an abandoned attempt', () => {
  it('stops the work but leaves no tombstone, and says so to the next hop', async () => {
    const next = await newPeer()
    const { rpc, sent } = recordingRpc()
    const cancels = new CancelTable(rpc as never, log)
    const msg = { type: 'task_cancel' as const, id: 'c', taskId: 't', origin: 'o', abandoned: true }
    assert.equal(cancels.cancel(msg, 'o'), 'unknown')
    assert.equal(cancels.refuses('t', 'o', 'o'), false, 'the task may still come')
    const held = cancels.hold('t', 'o', 'o')
    cancels.passOn(next, 't', 'o', held.signal)
    assert.equal(cancels.cancel(msg, 'o'), 'cancelled')
    assert.equal(isAbandoned(held.signal.reason), true)
    assert.deepEqual(sent, [
      { type: 'task_cancel', peer: next, body: { taskId: 't', origin: 'o', abandoned: true } }
    ])
  })
})

describe('a lost session to a peer that confirmed the task', () => {
  /**
   * `forwarder` confirms that `executor` runs the task, then its session
   * breaks; every later request is answered by whoever is asked, so the
   * test sees whom the sender re-asked.
   */
  async function lostForwarder(executorIsForwarder: boolean) {
    const [forwarder, further] = await Promise.all([newPeer(), newPeer()])
    const executor = executorIsForwarder ? forwarder : further
    const asked: string[] = []
    const table = new RunningTable({ rpc: recordingRpc().rpc as never, selfPeerId: 'self', log })
    const rpc = {
      request: async (def: { type: string }, peer: { toString(): string }, body: { taskId: string }) => {
        if (def.type !== 'task_request') return { type: 'ack' }
        const to = peer.toString()
        asked.push(to)
        if (asked.length === 1) {
          table.receive(running(body.taskId, executor), forwarder)
          await new Promise((r) => setTimeout(r, 20))
          throw new TransportError('the connection closed', 'stream_closed')
        }
        return {
          type: 'task_result',
          id: 'x',
          taskId: body.taskId,
          status: 'completed',
          executor: to,
          path: []
        }
      }
    }
    const step = await testForwarder(rpc, { running: table }).tryPeer(forwarder, taskState(10_000))
    return { step, asked, forwarder, executor }
  }

  it('asks the executor the confirmation named, not the forwarder between, which may have restarted', async () => {
    const { step, asked, forwarder, executor } = await lostForwarder(false)
    assert.deepEqual(asked, [forwarder, executor], 'the second request goes to the executor')
    assert.equal(step.kind, 'done')
    assert.equal(step.kind === 'done' ? step.result.executor : undefined, executor)
  })

  it('asks the same peer again when it was the executor itself', async () => {
    const { step, asked, forwarder } = await lostForwarder(true)
    assert.deepEqual(asked, [forwarder, forwarder])
    assert.equal(step.kind, 'done')
  })
})

describe('a cancelled answer for a task this node did not cancel', () => {
  it('is an abandoned attempt further on, not the outcome: the next candidate is tried', async () => {
    const peer = await newPeer()
    const rpc = {
      request: async (def: { type: string }, _peer: unknown, body: { taskId: string }) =>
        def.type !== 'task_request'
          ? { type: 'ack' }
          : {
              type: 'task_result',
              id: 'x',
              taskId: body.taskId,
              status: 'failed',
              error: { code: 'cancelled', message: 'the origin cancelled this task' },
              path: []
            }
    }
    const f = testForwarder(rpc)
    const state = taskState(5_000, { from: 'upstream', hops: 1, path: ['upstream', 'self'] })
    assert.equal((await f.tryPeer(peer, state)).kind, 'lost')
    const cancel = new AbortController()
    cancel.abort(new TaskCancelledError())
    const step = await f.tryPeer(peer, { ...state, signal: cancel.signal })
    assert.notEqual(step.kind, 'lost', 'a cancel this node passed on ends the task here too')
  })
})
