import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type AgentCard, type Message, Role, type Task, TaskState } from '@a2a-js/sdk'
import { type Client, ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client'
import { verifyCard } from '@mesh-node/a2a-server'
import { at, present } from '@mesh-node/test-utils'
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

/** What the 0.3 test reads of a JSON-RPC result: a task, or a stream event. */
interface V03Result {
  kind?: string
  id: string
  status: { state: string }
  artifacts: Array<{ parts: Array<{ kind: string; text?: string }> }>
  artifact: { parts: Array<{ text?: string }> }
}

/** A2A 0.3 JSON-RPC calls, without an A2A-Version header, as 0.3 clients make them. */
function v03(url: string, token: string) {
  const rpc = async (method: string, params: unknown): Promise<Response> =>
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: method, method, params })
    })
  const call = async (method: string, params: unknown): Promise<V03Result> => {
    const body = (await (await rpc(method, params)).json()) as {
      result?: V03Result
      error?: unknown
    }
    assert.ok(body.result != null, `${method}: ${JSON.stringify(body)}`)
    return body.result
  }
  return { rpc, call }
}

/** A 0.3 user message naming its skill. */
const v03Message = (skill: string, text: string) => ({
  message: {
    kind: 'message',
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    role: 'user',
    parts: [{ kind: 'text', text }],
    metadata: { skill }
  }
})

describe('the mesh served as an A2A agent (--a2a), used with the SDK client', { timeout: 300_000 }, () => {
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
    const chatty = execAgent(
      dir,
      'chatty',
      [
        `  process.stdout.write('{"type":"progress","progress":0.5,"message":"half way"}\\n')`,
        `  process.stdout.write('{"type":"partial","text":"Hel"}\\n')`,
        `  process.stdout.write('{"type":"partial","text":"lo"}\\n')`,
        `  process.stdout.write(JSON.stringify('Hello'))`
      ].join('\n')
    )
    const tag = uniqueTag()
    executor = await startTestDaemon({
      tag,
      config: {
        agents: [
          { name: 'upper', capabilities: ['text.upper'], handler: { kind: 'exec', command: upper } },
          {
            name: 'chatty',
            capabilities: [{ name: 'text.chatty', description: 'says hello in pieces' }],
            handler: { kind: 'exec', command: chatty }
          },
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
    await waitFor(async () => (await serving.client.agents()).filter((a) => !a.local).length === 3, {
      message: 'the serving node to know the three agents of the executor'
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
      ['linger', 'text.chatty', 'text.upper']
    )
    assert.equal(card.skills.find((s) => s.id === 'text.chatty')?.description, 'says hello in pieces')
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

  it('message/stream carries the partial output and progress streamed on the other node, then the result', async () => {
    const seen: string[] = []
    for await (const event of client.sendMessageStream(
      send('text.chatty', 'hi')
    ) as AsyncGenerator<StreamEvent>) {
      const p = event.payload
      if (p?.$case === 'artifactUpdate') {
        const a = (p.value as { artifact: Task['artifacts'][number] }).artifact
        const c = a.parts[0]?.content
        seen.push(`${a.artifactId.endsWith('-partial') ? 'partial' : 'result'}:${JSON.stringify(c?.value)}`)
      } else if (p?.$case === 'statusUpdate') {
        const status = (p.value as Task).status
        const c = status?.message?.parts[0]?.content
        if (c?.$case === 'data') seen.push(`progress:${JSON.stringify(c.value)}`)
      }
    }
    assert.deepEqual(seen, [
      'progress:{"progress":0.5,"message":"half way"}',
      'partial:{"text":"Hel"}',
      'partial:{"text":"lo"}',
      'result:"Hello"'
    ])
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

  it('speaks A2A 0.3 to a client that sends no A2A-Version: its card, message/send, tasks/get, message/stream', async () => {
    const card = (await (await fetch(cardUrl)).json()) as Record<string, unknown> & {
      url: string
      skills: Array<{ id: string }>
    }
    assert.equal(card.protocolVersion, '0.3.0')
    assert.equal(card.preferredTransport, 'JSONRPC')
    assert.ok(card.url.endsWith('/a2a/jsonrpc'), card.url)
    assert.deepEqual(
      card.skills.map((s) => s.id),
      ['linger', 'text.chatty', 'text.upper']
    )
    await verifyCard(card as unknown as AgentCard, serving.peerId)
    const { rpc, call } = v03(card.url, token)

    const sent = await call('message/send', v03Message('text.upper', 'old names'))
    assert.equal(sent.kind, 'task')
    assert.equal(sent.status.state, 'completed')
    assert.deepEqual(at(at(sent.artifacts, 0).parts, 0), { kind: 'text', text: 'OLD NAMES' })
    assert.equal((await call('tasks/get', { id: sent.id })).status.state, 'completed')
    assert.equal((await serving.client.task(sent.id)).executor, executor.peerId)

    const streamed = await rpc('message/stream', v03Message('text.upper', 'streamed old'))
    assert.match(streamed.headers.get('content-type') ?? '', /text\/event-stream/)
    const events = (await streamed.text())
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => (JSON.parse(l.slice(6)) as { result: V03Result }).result)
    assert.equal(events[0]?.kind, 'task')
    assert.ok(
      events.some((e) => e.kind === 'artifact-update' && at(e.artifact.parts, 0).text === 'STREAMED OLD')
    )
    assert.equal(events.at(-1)?.status?.state, 'completed')
  })

  it('A2A 0.3: tasks/cancel stops the task on the other node; tasks/resubscribe sees canceled', async () => {
    const { rpc, call } = v03(cardUrl.replace('/.well-known/agent-card.json', '/a2a/jsonrpc'), token)
    const lingering = await rpc('message/stream', v03Message('linger', 'x'))
    const reader = present(lingering.body, 'a response body').getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    const taskId = (JSON.parse(/data: (.*)/.exec(first)?.[1] ?? '{}') as { result: { id: string } }).result.id
    await reader.cancel()
    const pid = await waitFor(
      () => {
        try {
          return Number(readFileSync(join(pidDir, taskId), 'utf8')) || undefined
        } catch {
          return undefined
        }
      },
      { message: 'the lingering task to run on the executor' }
    )
    // The resubscription is open (its first event is the task as it is) before the cancel.
    const resubscribed = present(
      (await rpc('tasks/resubscribe', { id: taskId })).body,
      'a response body'
    ).getReader()
    let seen = new TextDecoder().decode((await resubscribed.read()).value)
    assert.match(seen, new RegExp(taskId))
    const cancelled = await call('tasks/cancel', { id: taskId })
    assert.equal(cancelled.id, taskId)
    for (let chunk = await resubscribed.read(); !chunk.done; chunk = await resubscribed.read())
      seen += new TextDecoder().decode(chunk.value)
    const after = seen
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { result: V03Result })
    assert.equal(after.at(-1)?.result?.status?.state, 'canceled', seen)
    assert.equal((await call('tasks/get', { id: taskId })).status.state, 'canceled')
    assert.equal((await serving.client.task(taskId)).status, 'cancelled')
    await waitFor(() => !alive(pid), { timeoutMs: 10_000, message: `agent process ${pid} to be gone` })
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
