import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type AgentCard, type Message, Role, type Task, TaskState } from '@a2a-js/sdk'
import { type Client, ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client'
import { verifyCard } from '@mesh-node/a2a-server'
import { execAgent } from '../helpers/agents.js'
import {
  runCli,
  startTestDaemon,
  stopAll,
  type TestDaemon,
  tmpDataDir,
  uniqueTag
} from '../helpers/daemon.js'
import { alive } from '../helpers/proc-stats.js'
import { waitFor } from '../helpers/wait.js'

function message(skill: string, text: string): Message {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [
      { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }
    ],
    metadata: { skill },
    extensions: [],
    referenceTaskIds: []
  }
}

const send = (skill: string, text: string) => ({
  tenant: '',
  message: message(skill, text),
  configuration: undefined,
  metadata: undefined
})

type StreamEvent = { payload?: { $case: string; value: unknown } }

describe('the mesh served as an A2A agent (--a2a), used with the SDK client', { timeout: 240_000 }, () => {
  const daemons: TestDaemon[] = []
  let serving: TestDaemon
  let executor: TestDaemon
  let cardUrl: string
  let token: string
  let client: Client
  let pidDir: string

  before(async () => {
    const dir = tmpDataDir('mesh-a2a-serve-')
    pidDir = join(dir, 'pids')
    mkdirSync(pidDir)
    const upper = execAgent(
      dir,
      'upper',
      `  process.stdout.write(JSON.stringify(String(req.input).toUpperCase()))`
    )
    const linger = execAgent(
      dir,
      'linger',
      `  ;(await import('node:fs')).writeFileSync(${JSON.stringify(pidDir)} + '/' + req.taskId, String(process.pid))\n  setTimeout(() => {}, 300000)`
    )
    const tag = uniqueTag()
    executor = await startTestDaemon({
      tag,
      config: {
        agents: [
          { name: 'upper', capabilities: ['text.upper'], handler: { kind: 'exec', command: upper } },
          {
            name: 'linger',
            capabilities: ['linger'],
            capacity: 4,
            handler: { kind: 'exec', command: linger }
          }
        ]
      }
    })
    serving = await startTestDaemon({ tag, args: ['--a2a', '127.0.0.1:0'] })
    daemons.push(executor, serving)
    const url = /"a2a":"(http:[^"]+)"/.exec(serving.output())?.[1]
    assert.ok(url != null, `the daemon logs its card URL\n${serving.output()}`)
    cardUrl = url
    const res = await serving.cli(['a2a', 'token'])
    assert.equal(res.code, 0, res.stderr)
    token = res.stdout.trim()
    assert.equal(statSync(join(serving.dataDir, 'a2a.token')).mode & 0o777, 0o600)
    await waitFor(async () => (await serving.client.agents()).filter((a) => !a.local).length === 2, {
      message: 'the serving node to know both agents of the executor'
    })
    const fetchImpl: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${token}`)
      return fetch(input, { ...init, headers })
    }
    client = await new ClientFactory({
      transports: [new JsonRpcTransportFactory({ fetchImpl })]
    }).createFromUrl(cardUrl, '')
  })

  after(async () => {
    await stopAll(daemons)
  })

  it('serves a card with a skill per capability, signed by the node peer key', async () => {
    const card: AgentCard = await client.getAgentCard()
    assert.deepEqual(
      card.skills.map((s) => s.id),
      ['linger', 'text.upper']
    )
    assert.equal(card.signatures.length, 1)
    await verifyCard(card, serving.peerId)
    await assert.rejects(
      verifyCard({ ...card, name: 'someone else' }, serving.peerId),
      'a changed card fails'
    )
    await assert.rejects(
      verifyCard(card, executor.peerId),
      /No valid signatures/,
      'signed by this node, no other'
    )
  })

  it('message/send runs the task on the other node; tasks/get and the mesh journal agree', async () => {
    const result = (await client.sendMessage(send('text.upper', 'hello mesh'))) as Task
    assert.equal(result.status?.state, TaskState.TASK_STATE_COMPLETED)
    const part = result.artifacts[0]?.parts[0]?.content
    assert.deepEqual(part, { $case: 'text', value: 'HELLO MESH' })
    const got = await client.getTask({ tenant: '', id: result.id })
    assert.equal(got.status?.state, TaskState.TASK_STATE_COMPLETED)
    const mesh = await serving.client.task(result.id)
    assert.equal(mesh.status, 'completed')
    assert.equal(mesh.executor, executor.peerId, 'the A2A task is a mesh task that ran on the executor')
  })

  it('message/stream sends the task, its status updates and the final artifact', async () => {
    const kinds: string[] = []
    let artifact: unknown
    for await (const event of client.sendMessageStream(
      send('text.upper', 'streamed')
    ) as AsyncGenerator<StreamEvent>) {
      const p = event.payload
      if (p == null) continue
      if (p.$case === 'statusUpdate') kinds.push(`status:${(p.value as Task).status?.state}`)
      else kinds.push(p.$case)
      if (p.$case === 'artifactUpdate')
        artifact = (p.value as { artifact: Task['artifacts'][number] }).artifact.parts[0]?.content
    }
    assert.equal(kinds[0], 'task')
    assert.ok(kinds.includes('artifactUpdate'), kinds.join(' '))
    assert.equal(kinds.at(-1), `status:${TaskState.TASK_STATE_COMPLETED}`)
    assert.deepEqual(artifact, { $case: 'text', value: 'STREAMED' })
  })

  it('tasks/cancel stops the handler on the other node; a resubscribed stream sees CANCELED', async () => {
    const stream = client.sendMessageStream(send('linger', 'x')) as AsyncGenerator<StreamEvent>
    const first = await stream.next()
    const taskId = ((first.value as StreamEvent).payload?.value as Task | undefined)?.id ?? ''
    const pid = await waitFor(
      () => {
        try {
          const pid = Number(readFileSync(join(pidDir, taskId), 'utf8'))
          return pid > 0 ? pid : undefined
        } catch {
          return undefined
        }
      },
      { message: 'the agent process to start on the executor' }
    )
    assert.ok(alive(pid))
    const resubscribed = client.resubscribeTask({ tenant: '', id: taskId }) as AsyncGenerator<StreamEvent>
    const states: number[] = []
    // The resubscription is open (its first event is the task as it is) before the cancel.
    const opened = await resubscribed.next()
    assert.equal(((opened.value as StreamEvent).payload?.value as Task | undefined)?.id, taskId)
    const watching = (async () => {
      for await (const e of resubscribed)
        if (e.payload?.$case === 'statusUpdate') states.push((e.payload.value as Task).status?.state ?? -1)
        else if (e.payload?.$case === 'task') states.push((e.payload.value as Task).status?.state ?? -1)
    })()
    await client.cancelTask({ tenant: '', id: taskId, metadata: undefined })
    await waitFor(() => !alive(pid), {
      timeoutMs: 5000,
      intervalMs: 5,
      message: `agent process ${pid} to be gone`
    })
    await waitFor(async () => (await serving.client.task(taskId)).status === 'cancelled', {
      message: 'the mesh task to be cancelled'
    })
    await watching
    assert.equal(states.at(-1), TaskState.TASK_STATE_CANCELED)
    const got = await client.getTask({ tenant: '', id: taskId })
    assert.equal(got.status?.state, TaskState.TASK_STATE_CANCELED)
    await stream.return(undefined)
  })

  it('answers 401 without the bearer token or with a wrong one', async () => {
    const rpc = cardUrl.replace('/.well-known/agent-card.json', '/a2a/jsonrpc')
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } })
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${token}` }]) {
      const res = await fetch(rpc, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body
      })
      assert.equal(res.status, 401)
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /a2a token/)
    }
  })

  it('refuses a non-loopback --a2a address unless allowed, saying how', async () => {
    const dir = tmpDataDir('mesh-a2a-remote-')
    const res = await runCli(['start', '--data-dir', dir, '--api', '127.0.0.1:0', '--a2a', '0.0.0.0:0'])
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /A2A listener 0\.0\.0\.0:0 is not on loopback.*--a2a-allow-remote/s)
  })
})
