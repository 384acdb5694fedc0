import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { TopicMessage } from '@mesh-node/client'
import { at } from '@mesh-node/test-utils'
import {
  BIN,
  runCli,
  startTestDaemon,
  stopAll,
  type TestDaemon,
  tmpDataDir,
  uniqueTag
} from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

describe('agents hear topic messages', { timeout: 300_000 }, () => {
  let agentNode: TestDaemon
  let other: TestDaemon

  before(async () => {
    const dir = tmpDataDir()
    const script = join(dir, 'listener.mjs')
    // Replies with the CLI, set up only by the environment the daemon gives it;
    // also reports what its scoped token may not do.
    writeFileSync(
      script,
      `import { execFileSync } from 'node:child_process'
let data = ''
process.stdin.on('data', (c) => { data += c })
process.stdin.on('end', async () => {
  const req = JSON.parse(data)
  if (req.type !== 'message') { process.stdout.write('null'); return }
  // A direct send: the answer travels back in the acknowledgement.
  if (req.topic === undefined) { process.stdout.write(JSON.stringify({ echo: req.payload, from: req.from })); return }
  const res = await fetch(process.env.MESH_NODE_API + '/v1/agents', { headers: { authorization: 'Bearer ' + process.env.MESH_NODE_TOKEN } })
  const reply = { heard: req.payload, topic: req.topic, from: req.from, listTasks: res.status }
  execFileSync(process.execPath, [${JSON.stringify(BIN)}, 'publish', 'answers', '--data', JSON.stringify(reply), '--correlation-id', req.messageId])
})
`
    )
    const tag = uniqueTag()
    ;[agentNode, other] = await Promise.all([
      startTestDaemon({
        tag,
        config: {
          agents: [
            {
              name: 'listener',
              capabilities: ['listen'],
              topics: ['questions'],
              handler: { kind: 'exec', command: [process.execPath, script], timeoutMs: 20_000 }
            }
          ]
        }
      }),
      startTestDaemon({ tag })
    ])
    for (const d of [agentNode, other])
      await waitFor(async () => (await d.client.peers()).length === 1, { message: 'two peers connected' })
  })

  after(async () => {
    await stopAll([agentNode, other])
  })

  it('delivers a message to an exec agent, which replies by publishing with its scoped token', async () => {
    const answers = other.client.subscribe('answers')
    const got: TopicMessage[] = []
    void (async () => {
      for await (const m of answers) got.push(m)
    })().catch(() => {})
    await answers.ready
    // The agent's node learns of our subscription to "questions" through gossipsub first.
    await waitFor(
      async () =>
        (await agentNode.client.request<Array<{ topic: string }>>('GET', '/v1/topics')).some(
          (t) => t.topic === 'questions'
        ),
      { message: 'the agent following questions' }
    )
    const ack = await other.client.publish('questions', { q: 'ping?' })
    await waitFor(() => got.length >= 1, { timeoutMs: 30_000, message: 'the agent to answer' })
    const reply = at(got, 0)
    assert.equal(reply.from.node, agentNode.peerId)
    assert.equal(reply.from.agent, 'listener', 'a scoped token publishes as its agent')
    assert.equal(reply.correlationId, ack.id)
    assert.deepEqual(reply.payload, {
      heard: { q: 'ping?' },
      topic: 'questions',
      from: other.peerId,
      listTasks: 403
    })
    answers.unsubscribe()
  })

  it('send delivers straight to one agent and is acknowledged with its reply', async () => {
    const res = await other.cli([
      'send',
      '--agent',
      `listener@${agentNode.peerId}`,
      '--data',
      '{"x":1}',
      '--json'
    ])
    assert.equal(res.code, 0, res.stderr)
    const ack = JSON.parse(res.stdout) as { agent: string; node: string; reply: unknown; id: string }
    assert.equal(ack.agent, 'listener')
    assert.equal(ack.node, agentNode.peerId)
    assert.deepEqual(ack.reply, { echo: { x: 1 }, from: other.peerId })
    // Without a peer, the registry names the one node that runs it.
    await waitFor(async () => (await other.client.agents()).some((a) => a.agent === 'listener'), {
      message: 'the registry to list listener'
    })
    const byName = await other.client.send('listener', 'hi')
    assert.deepEqual(byName.reply, { echo: 'hi', from: other.peerId })
  })

  it('send fails clearly for an unknown agent or peer', async () => {
    const res = await other.cli(['send', '--agent', `ghost@${agentNode.peerId}`, '--data', '1'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /no agent named "ghost" runs on this node/)
    await assert.rejects(other.client.send('ghost', 1), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'unknown_agent')
      assert.match(err.message, /no agent named "ghost" is known in the mesh/)
      return true
    })
    await assert.rejects(other.client.send('listener@not-a-peer', 1), { code: 'bad_message' })
  })

  it('refuses an agent spec with an internal topic, naming the field', async () => {
    const dir = tmpDataDir()
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        agents: [
          {
            name: 'bad',
            capabilities: ['x'],
            topics: ['agent-mesh/state/1'],
            handler: { kind: 'builtin', name: 'echo' }
          }
        ]
      })
    )
    const res = await runCli(['start', '--data-dir', dir, '--api', '127.0.0.1:0', '--no-mdns'], {
      timeoutMs: 30_000
    })
    assert.equal(res.code, 1)
    assert.match(res.stderr, /topics\[0\].*not an internal agent-mesh topic/)
  })
})
