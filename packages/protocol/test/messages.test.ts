import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { capabilityCid, decodeNodeState, decodeTaskMessage } from '../src/index.js'

const bytes = (v: unknown): Uint8Array =>
  new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))

describe('messages', () => {
  const request = {
    type: 'task_request',
    id: 'c1',
    taskId: 't1',
    capability: 'echo',
    input: { a: 1 },
    from: '12D3KooA',
    deadline: Date.now() + 1000,
    hops: 0,
    path: ['12D3KooA']
  }

  it('accepts a valid task_request', () => {
    const res = decodeTaskMessage(bytes(request))
    assert.equal(res.ok, true)
  })

  it('validates task_cancel and cancel_ack, naming a missing origin and an unknown status', () => {
    assert.equal(
      decodeTaskMessage(bytes({ type: 'task_cancel', id: 'k', taskId: 't1', origin: 'P' })).ok,
      true
    )
    const noOrigin = decodeTaskMessage(bytes({ type: 'task_cancel', id: 'k', taskId: 't1' }))
    assert.equal(!noOrigin.ok && noOrigin.code, 'invalid_message')
    assert.match(!noOrigin.ok ? noOrigin.error : '', /origin/)
    const ack = { type: 'cancel_ack', id: 'k', taskId: 't1', status: 'refused' }
    assert.equal(decodeTaskMessage(bytes(ack)).ok, true)
    assert.equal(decodeTaskMessage(bytes({ ...ack, status: 'maybe' })).ok, false)
  })

  it('names the problem and keeps the correlation id of an invalid message', () => {
    const res = decodeTaskMessage(bytes({ ...request, hops: 99 }))
    assert.equal(res.ok, false)
    if (!res.ok) {
      assert.equal(res.code, 'invalid_message')
      assert.equal(res.id, 'c1')
      assert.match(res.error, /\/hops/)
    }
  })

  it('distinguishes bad JSON, unknown types and missing fields', () => {
    const bad = decodeTaskMessage(bytes('{nope'))
    assert.equal(!bad.ok && bad.code, 'invalid_json')
    const unknown = decodeTaskMessage(bytes({ type: 'launch_missiles', id: 'x' }))
    assert.equal(!unknown.ok && unknown.code, 'unknown_type')
    const missing = decodeTaskMessage(bytes({ type: 'task_request', id: 'x' }))
    assert.equal(!missing.ok && missing.code, 'invalid_message')
    const badCap = decodeTaskMessage(bytes({ ...request, capability: 'has space' }))
    assert.equal(!badCap.ok && badCap.code, 'invalid_message')
  })

  it('validates node_state announcements', () => {
    const ok = decodeNodeState(
      bytes({
        type: 'node_state',
        peerId: 'p',
        incarnation: 1,
        seq: 2,
        agents: [{ agent: 'echo', capabilities: ['echo'], capacity: 4, running: 0 }]
      })
    )
    assert.equal(ok.ok, true)
    const bad = decodeNodeState(
      bytes({ type: 'node_state', peerId: 'p', incarnation: 1, seq: -1, agents: [] })
    )
    assert.equal(bad.ok, false)
  })

  it('task_request traceparent and task_result spans: optional, validated, bounded', () => {
    const req = {
      type: 'task_request',
      id: 'r',
      taskId: 't',
      capability: 'echo',
      input: null,
      from: 'p',
      deadline: 1,
      hops: 1,
      path: ['p']
    }
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    assert.equal(decodeTaskMessage(bytes({ ...req, traceparent: tp })).ok, true)
    for (const bad of [
      '00-xyz',
      tp.toUpperCase(),
      `${tp}-extra`,
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    ])
      assert.equal(decodeTaskMessage(bytes({ ...req, traceparent: bad })).ok, false, bad)
    const span = {
      peerId: 'p',
      spanId: '00f067aa0ba902b7',
      role: 'executor',
      receivedAt: 1,
      queuedMs: 0.25,
      executedMs: 3,
      forwardedMs: 0
    }
    const res = { type: 'task_result', id: 'r', taskId: 't', status: 'completed', path: ['p'] }
    assert.equal(decodeTaskMessage(bytes({ ...res, spans: [span] })).ok, true)
    assert.equal(
      decodeTaskMessage(bytes({ ...res, spans: Array(6).fill(span) })).ok,
      false,
      'at most 5 spans'
    )
    assert.equal(decodeTaskMessage(bytes({ ...res, spans: [{ ...span, queuedMs: -1 }] })).ok, false)
    assert.equal(decodeTaskMessage(bytes({ ...res, spans: [{ ...span, role: 'origin' }] })).ok, false)
  })

  it('node_state: accepts an optional name and peer list, and bounds both', () => {
    const state = (extra: Record<string, unknown>) =>
      decodeNodeState(
        bytes({ type: 'node_state', peerId: 'p', incarnation: 1, seq: 1, agents: [], ...extra })
      )
    assert.equal(state({ name: 'kitchen pi', peers: ['q', 'r'] }).ok, true)
    assert.equal(state({ name: 'é東京' }).ok, true)
    assert.equal(state({ name: '' }).ok, false)
    assert.equal(state({ name: 'x'.repeat(65) }).ok, false)
    assert.equal(state({ name: 'evil\u001b[2J' }).ok, false, 'terminal escapes are refused')
    assert.equal(state({ name: 'a\u202eb' }).ok, false, 'bidi overrides are refused')
    assert.equal(state({ name: 42 }).ok, false)
    assert.equal(state({ peers: Array.from({ length: 65 }, (_, i) => `p${i}`) }).ok, false)
  })

  it('derives capability CIDs as documented', async () => {
    const cid = await capabilityCid('echo')
    assert.equal(cid.version, 1)
    assert.equal(cid.code, 0x55)
    assert.equal(cid.multihash.code, 0x12)
    const { createHash } = await import('node:crypto')
    const expected = createHash('sha256').update('agent-mesh/capability/echo').digest()
    assert.deepEqual(Buffer.from(cid.multihash.digest), expected)
    assert.notEqual((await capabilityCid('echo2')).toString(), cid.toString())
  })
})
