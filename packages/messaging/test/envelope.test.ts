import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  checkTopicName,
  decodeEnvelope,
  encodeEnvelope,
  gossipTopic,
  type MessageEnvelope
} from '../src/envelope.js'
import { PublishRateLimiter } from '../src/rate-limit.js'
import { ReplayBuffer } from '../src/replay-buffer.js'

const envelope = (over: Partial<MessageEnvelope> = {}): MessageEnvelope => ({
  v: 1,
  id: 'id-1',
  type: 'message',
  topic: 'alerts',
  from: { node: 'peer-a' },
  to: 'broadcast',
  payload: { level: 'high' },
  timestamp: 1,
  ...over
})

describe('envelope', () => {
  it('round-trips and checks the signer and topic', () => {
    const bytes = encodeEnvelope(envelope())
    assert.deepEqual(decodeEnvelope(bytes, { topic: 'alerts', signer: 'peer-a' }), envelope())
    assert.throws(() => decodeEnvelope(bytes, { topic: 'alerts', signer: 'peer-b' }), /signed by peer-b/)
    assert.throws(() => decodeEnvelope(bytes, { topic: 'other', signer: 'peer-a' }), /arrived on "other"/)
  })

  it('refuses malformed and oversized envelopes', () => {
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
    const expect = { topic: 'alerts', signer: 'peer-a' }
    assert.throws(() => decodeEnvelope(enc({ ...envelope(), v: 2 }), expect), /version 2/)
    assert.throws(() => decodeEnvelope(enc({ ...envelope(), payload: undefined }), expect), /no payload/)
    assert.throws(() => decodeEnvelope(enc({ ...envelope(), to: 'x' }), expect), /broadcast/)
    assert.throws(() => decodeEnvelope(new TextEncoder().encode('{'), expect), /not UTF-8 JSON/)
    assert.throws(() => encodeEnvelope(envelope({ payload: 'x'.repeat(100) }), 64), {
      code: 'message_too_large'
    })
  })

  it('keeps internal topics out of reach', () => {
    assert.equal(gossipTopic(checkTopicName('build.done')), 'agent-mesh/user/1/build.done')
    assert.throws(() => checkTopicName('agent-mesh/state/1'), { code: 'internal_topic' })
    assert.throws(() => checkTopicName('_x'), { code: 'internal_topic' })
    assert.throws(() => checkTopicName('a/b'), { code: 'bad_topic' })
    assert.throws(() => checkTopicName(''), { code: 'bad_topic' })
  })
})

describe('publish rate limiter', () => {
  it('slows only the flooding publisher, and refills', () => {
    const limiter = new PublishRateLimiter(10, 5, 100)
    for (let i = 0; i < 5; i++) assert.ok(limiter.take('flood', 0))
    assert.equal(limiter.take('flood', 0), false)
    assert.ok(limiter.take('quiet', 0))
    assert.ok(limiter.take('flood', 100), 'one token back after 100 ms at 10/s')
  })
})

describe('replay buffer', () => {
  it('is bounded in count and bytes, and answers by time', () => {
    const buffer = new ReplayBuffer(3, 1000, 2, 60_000)
    for (let i = 0; i < 5; i++) buffer.add(envelope({ id: `m${i}` }), 10, 1000 + i)
    assert.deepEqual(
      buffer.since('alerts', 0, 2000).map((e) => e.id),
      ['m2', 'm3', 'm4']
    )
    assert.deepEqual(
      buffer.since('alerts', 1004, 2000).map((e) => e.id),
      ['m4']
    )
    buffer.add(envelope({ id: 'big' }), 995, 1010)
    assert.deepEqual(
      buffer.since('alerts', 0, 2000).map((e) => e.id),
      ['big']
    )
    assert.deepEqual(buffer.since('alerts', 0, 1010 + 60_001), [], 'older than the age bound')
  })
})
