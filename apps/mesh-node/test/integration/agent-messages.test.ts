import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { TopicMessage } from '@mesh-node/client'
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

describe('agents hear topic messages', { timeout: 120_000 }, () => {
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
    const reply = got[0]
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
