import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { until } from '@mesh-node/test-utils'
import { type AgentRuntime, createAgentRuntime, parseAgentSpecs } from '../src/index.js'
import { type A2aFixture, startA2aFixture } from './fixtures/a2a-fixture.js'
import { task } from './helpers.js'

const baseDir = process.cwd()

function runtimeFor(handler: Record<string, unknown>): Promise<AgentRuntime> {
  const agents = parseAgentSpecs([{ name: 'remote', capacity: 4, handler: { kind: 'a2a', ...handler } }], {
    baseDir
  })
  return createAgentRuntime({ agents, baseDir })
}

for (const streaming of [true, false]) {
  describe(`a2a handler against the SDK's server (${streaming ? 'streaming' : 'blocking'})`, () => {
    let remote: A2aFixture
    let runtime: AgentRuntime
    before(async () => {
      remote = await startA2aFixture(streaming)
      runtime = await runtimeFor({
        url: remote.url,
        prefix: 'a2a.',
        headers: { authorization: 'Bearer t0k' }
      })
    })
    after(async () => {
      await runtime.close()
      await remote.close()
    })

    it("offers the card's skills as capabilities and sends the configured headers", () => {
      assert.deepEqual(runtime.capabilities(), ['a2a.broken', 'a2a.slow', 'a2a.upper'])
      assert.equal(remote.lastAuth(), 'Bearer t0k')
    })

    it('runs a task as a message to the skill; the artifact is the result', async () => {
      const out = await runtime.runTask(task({ text: 'shout' }, { capability: 'a2a.upper' }))
      assert.deepEqual(out, { status: 'completed', agent: 'remote', result: { upper: 'SHOUT' } })
      const text = await runtime.runTask(task('plain', { capability: 'a2a.upper' }))
      assert.deepEqual((text as { result: unknown }).result, { upper: 'PLAIN' })
    })

    it('a failed remote task fails the mesh task with its status message', async () => {
      const out = await runtime.runTask(task({}, { capability: 'a2a.broken' }))
      assert.equal(out.status, 'failed')
      assert.match(
        (out as { error: { message: string } }).error.message,
        /A2A task .* failed: no skill broken/
      )
    })

    if (streaming) {
      it('cancelling the mesh task cancels the A2A task', async () => {
        const controller = new AbortController()
        const running = runtime.runTask(task({}, { capability: 'a2a.slow' }), { signal: controller.signal })
        await until(() => runtime.list()[0]?.running === 1, 'the call to start')
        // The task id is known only from the stream's first event; give it a moment to arrive.
        setTimeout(() => controller.abort(new Error('user cancelled')), 300)
        const out = await running
        assert.equal(out.status, 'failed')
        assert.match((out as { error: { message: string } }).error.message, /user cancelled/)
        await until(() => remote.cancelled.length === 1, 'the remote agent to see tasks/cancel')
      })
    }
  })
}

describe('a2a handler config and startup', () => {
  it('renames a subset of skills and rejects bad fields', async () => {
    const remote = await startA2aFixture()
    try {
      const runtime = await runtimeFor({ url: remote.url, skills: { upper: 'text.upper' } })
      assert.deepEqual(runtime.capabilities(), ['text.upper'])
      await runtime.close()
    } finally {
      await remote.close()
    }
    assert.throws(
      () => parseAgentSpecs([{ name: 'r', handler: { kind: 'a2a', url: 'ftp://x' } }], { baseDir }),
      /handler.url must be an http: or https: URL/
    )
    assert.throws(
      () =>
        parseAgentSpecs(
          [{ name: 'r', handler: { kind: 'a2a', url: 'http://127.0.0.1:1/', skills: ['a'], prefix: 'x.' } }],
          { baseDir }
        ),
      /handler.prefix does not apply when handler.skills names the capabilities/
    )
  })

  it('an unreachable card is a startup error naming the URL', async () => {
    await assert.rejects(
      runtimeFor({ url: 'http://127.0.0.1:9/.well-known/agent-card.json' }),
      /cannot read the A2A agent card at http:\/\/127.0.0.1:9/
    )
  })
})
