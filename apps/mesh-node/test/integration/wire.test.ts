import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { execAgent } from '../helpers/agents.js'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { createRawPeer, type RawPeer } from '../helpers/raw-peer.js'
import { waitFor } from '../helpers/wait.js'

/** A task_request from the raw peer, which is first and last on the path. */
function request(raw: RawPeer, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'task_request',
    id: `c-${Math.random().toString(36).slice(2)}`,
    taskId: `t-${Math.random().toString(36).slice(2)}`,
    input: null,
    from: raw.peerId,
    deadline: Date.now() + 20_000,
    hops: 0,
    path: [raw.peerId],
    ...fields
  }
}

describe('the task protocol, spoken by a plain libp2p peer', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  let raw: RawPeer
  let worker1: TestDaemon
  let worker2: TestDaemon
  let relay: TestDaemon
  let counterFile: string

  before(async () => {
    const dir = tmpDataDir()
    counterFile = join(dir, 'runs.log')
    const count = execAgent(
      dir,
      'count',
      `  ;(await import('node:fs')).appendFileSync(${JSON.stringify(counterFile)}, req.taskId + '\\n')\n  process.stdout.write(JSON.stringify({ ran: req.taskId }))`
    )
    const tag = uniqueTag()
    const work = (name: string) => ({
      name,
      capabilities: ['work'],
      capacity: 1,
      handler: { kind: 'builtin', name: 'slow' }
    })
    ;[worker1, worker2, relay] = await Promise.all([
      startTestDaemon({ tag, config: { agents: [work('w1')] } }),
      startTestDaemon({
        tag,
        config: {
          agents: [
            work('w2'),
            { name: 'count', capabilities: ['count'], capacity: 4, handler: { kind: 'exec', command: count } }
          ]
        }
      }),
      startTestDaemon({ tag })
    ])
    daemons.push(worker1, worker2, relay)
    raw = await createRawPeer()
    // Routing decisions need each node to know the others' agents.
    for (const d of daemons) {
      await waitFor(async () => (await d.client.agents({ capability: 'work' })).length === 2, {
        message: `${d.peerId} to know both workers`
      })
    }
  })

  after(async () => {
    await raw?.stop()
    await stopAll(daemons)
  })

  const addr = async (d: TestDaemon): Promise<string> => at((await d.client.id()).addresses, 0)

  it('forwards a task from a node that lacks the capability, and records the path', async () => {
    const session = await raw.open(await addr(relay))
    const req = request(raw, { capability: 'work', input: { ms: 10 } })
    session.send(req)
    const res = await session.next()
    assert.equal(res.type, 'task_result')
    assert.equal(res.id, req.id)
    assert.equal(res.status, 'completed')
    const path = res.path as string[]
    assert.deepEqual(path.slice(0, 2), [raw.peerId, relay.peerId])
    assert.ok([worker1.peerId, worker2.peerId].includes(at(path, 2)))
    assert.equal(res.executor, path[2])
  })

  it('delegates when the local agent is full', async () => {
    const session = await raw.open(await addr(worker1))
    const long = request(raw, { capability: 'work', input: { ms: 3000 } })
    session.send(long)
    await waitFor(
      async () =>
        (await worker1.client.agents({ capability: 'work' })).some((a) => a.local && a.running === 1),
      {
        message: 'worker1 to be busy'
      }
    )
    const short = request(raw, { capability: 'work', input: { ms: 10 } })
    session.send(short)
    const first = await session.next()
    assert.equal(first.id, short.id, 'the short task answers first, from elsewhere')
    assert.equal(first.status, 'completed')
    assert.deepEqual(first.path, [raw.peerId, worker1.peerId, worker2.peerId])
    assert.equal(first.executor, worker2.peerId)
    const second = await session.next()
    assert.equal(second.id, long.id)
    assert.equal(second.executor, worker1.peerId)
  })

  it('refuses loops and tasks past the hop limit', async () => {
    const session = await raw.open(await addr(relay))
    const loop = request(raw, { capability: 'work', path: [relay.peerId, raw.peerId], hops: 1 })
    session.send(loop)
    const res = await session.next()
    assert.equal(res.status, 'no_agent')
    assert.equal((res.error as { code: string }).code, 'loop')
    const tooFar = request(raw, { capability: 'work', hops: 4 })
    session.send(tooFar)
    const res2 = await session.next()
    assert.equal(res2.id, tooFar.id)
    assert.equal(res2.status, 'no_agent', 'a node without the capability may not forward past the hop limit')
    const spoofed = request(raw, { capability: 'work', path: [worker1.peerId] })
    session.send(spoofed)
    const res3 = await session.next()
    assert.equal((res3.error as { code: string }).code, 'bad_path')
  })

  it('honours task_request.target: no forwarding, no other peer, no other agent', async () => {
    const session = await raw.open(await addr(relay))
    // The relay could forward this to w1 or w2, but the target says: here only.
    const here = request(raw, { capability: 'work', input: { ms: 1 }, target: { peer: relay.peerId } })
    session.send(here)
    const res = await session.next()
    assert.equal(res.status, 'failed')
    assert.equal((res.error as { code: string }).code, 'agent_gone')
    assert.equal(res.executor, undefined)
    const other = request(raw, { capability: 'work', target: { peer: worker2.peerId } })
    session.send(other)
    assert.equal(((await session.next()).error as { code: string }).code, 'wrong_peer')
    const s1 = await raw.open(await addr(worker1))
    const wrongAgent = request(raw, { capability: 'work', target: { peer: worker1.peerId, agent: 'w2' } })
    s1.send(wrongAgent)
    assert.equal(((await s1.next()).error as { code: string }).code, 'agent_gone')
    const right = request(raw, {
      capability: 'work',
      input: { ms: 1 },
      target: { peer: worker1.peerId, agent: 'w1' }
    })
    s1.send(right)
    const ran = await s1.next()
    assert.equal(ran.status, 'completed')
    assert.equal(ran.agent, 'w1')
    s1.send({ type: 'capability_query', id: 'q-features' })
    assert.deepEqual((await s1.next()).features, ['task_target'])
  })

  it('takes agent_message (mesh-node send) on the task protocol and acknowledges it', async () => {
    const session = await raw.open(await addr(worker1))
    const envelope = (from: string, agent: string) => ({
      v: 1,
      id: `m-${Math.random().toString(36).slice(2)}`,
      type: 'message',
      from: { node: from },
      to: { agent, node: worker1.peerId },
      payload: { hello: 1 },
      timestamp: Date.now()
    })
    session.send({
      type: 'agent_message',
      id: 'am-1',
      timeoutMs: 5000,
      envelope: envelope(raw.peerId, 'ghost')
    })
    const unknown = await session.next()
    assert.equal(unknown.type, 'agent_message_ack')
    assert.equal(unknown.id, 'am-1')
    assert.equal(unknown.delivered, false)
    assert.equal(unknown.code, 'unknown_agent')
    session.send({
      type: 'agent_message',
      id: 'am-2',
      timeoutMs: 5000,
      envelope: envelope(worker2.peerId, 'w1')
    })
    const spoofed = await session.next()
    assert.equal(spoofed.delivered, false)
    assert.equal(spoofed.code, 'bad_message')
    assert.match(String(spoofed.message), /claims to be from/)
    const big = { ...envelope(raw.peerId, 'w1'), payload: 'x'.repeat(70_000) }
    session.send({ type: 'agent_message', id: 'am-3', timeoutMs: 5000, envelope: big })
    const tooBig = await session.next()
    assert.equal(tooBig.code, 'bad_message')
    assert.match(String(tooBig.message), /65536|64 KiB|too large/i)
  })

  it('never runs a repeated task id twice: the repeat gets the stored result', async () => {
    const session = await raw.open(await addr(worker2))
    const req = request(raw, { capability: 'count', taskId: 'same-task-id-1' })
    session.send(req)
    const a = await session.next()
    session.send({ ...req, id: 'another-correlation-id' })
    const b = await session.next()
    assert.equal(a.status, 'completed', JSON.stringify(a.error))
    assert.deepEqual(b.result, a.result)
    assert.equal(b.id, 'another-correlation-id')
    assert.deepEqual(readFileSync(counterFile, 'utf8').trim().split('\n'), ['same-task-id-1'])
  })

  it('rejects malformed, unknown and invalid messages, answering each with an error', async () => {
    const session = await raw.open(await addr(relay))
    const encoder = new TextEncoder()
    const frame = (text: string): Uint8Array => {
      const body = encoder.encode(text)
      return new Uint8Array([body.length, ...body])
    }
    session.sendBytes(frame('{not json'))
    assert.equal((await session.next()).code, 'invalid_json')
    session.send({ type: 'launch_missiles', id: 'x1' })
    const unknown = await session.next()
    assert.equal(unknown.code, 'unknown_type')
    assert.equal(unknown.id, 'x1')
    session.send({ type: 'task_request', id: 'x2', capability: 'work' })
    const invalid = await session.next()
    assert.equal(invalid.code, 'invalid_message')
    assert.equal(invalid.id, 'x2')
    session.send({ type: 'task_result', id: 'x3', taskId: 't', status: 'completed', path: [] })
    assert.equal((await session.next()).code, 'unexpected_type')
    // The session still works after bad messages.
    const ok = request(raw, { capability: 'work', input: { ms: 1 } })
    session.send(ok)
    assert.equal((await session.next()).status, 'completed')
    await waitFor(() => relay.output().includes('rejected task-protocol message'), {
      message: 'the rejections to be logged'
    })
  })

  it('resets a session that sends an oversized frame, and the daemon is unharmed', async () => {
    const session = await raw.open(await addr(relay))
    // Declares a 2 MiB frame (varint 0x80 0x80 0x80 0x01), over the 1 MiB limit.
    session.sendBytes(Uint8Array.of(0x80, 0x80, 0x80, 0x01, 0x7b))
    const err = await session.next()
    assert.equal(err.code, 'frame_too_large')
    await session.closed()
    assert.equal((await relay.client.id()).peerId, relay.peerId)
    const fresh = await raw.open(await addr(relay))
    const ok = request(raw, { capability: 'work', input: { ms: 1 } })
    fresh.send(ok)
    assert.equal((await fresh.next()).status, 'completed')
  })
})
