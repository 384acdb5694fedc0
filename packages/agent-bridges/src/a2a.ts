import type { Message, Task } from '@a2a-js/sdk'
import type { Client } from '@a2a-js/sdk/client'
import type { A2aHandlerSpec, RuntimeLog } from '@mesh-node/handlers'
import { HandlerError, unsupportedRequest } from '@mesh-node/handlers'
import type { AgentHandler } from '@mesh-node/sdk'
import { A2aConnection } from './a2a-connection.js'
import { valueOfParts } from './a2a-parts.js'
import { isFinal, messageOf, resultOfTask } from './a2a-task-mapping.js'

export interface A2aAgent {
  handler: AgentHandler
  connection: A2aConnection
}

/**
 * Reads the remote agent's card and returns a handler that sends each task
 * as a message to the skill behind its capability. With a streaming agent
 * the task's id is known from the first event, so aborting the call
 * (cancel, deadline, timeout) sends `tasks/cancel` for it.
 */
export async function a2aAgent(spec: A2aHandlerSpec, agent: string, log: RuntimeLog): Promise<A2aAgent> {
  const connection = new A2aConnection(spec, agent, log)
  await connection.start()
  const handler: AgentHandler = async (request, ctx) => {
    if (request.type === 'bid_request') return {}
    if (request.type !== 'task_request') throw unsupportedRequest(request)
    const skill = connection.entry(request.capability)
    if (skill === undefined) {
      throw new HandlerError(
        'handler_unsupported',
        `the A2A agent offers no skill for ${JSON.stringify(request.capability)} (now)`
      )
    }
    const client = connection.connected()
    const params = {
      tenant: '',
      message: messageOf(request.input, skill.tool),
      configuration: undefined,
      metadata: undefined
    }
    if (!connection.streams()) return answerOf(await client.sendMessage(params, { signal: ctx.signal }))
    return await streamed(client, client.sendMessageStream(params, { signal: ctx.signal }), ctx.signal)
  }
  return { handler, connection }
}

async function streamed(
  client: Client,
  events: AsyncGenerator<{ payload?: { $case: string; value: unknown } }>,
  signal: AbortSignal
): Promise<unknown> {
  let task: Task | undefined
  const cancel = () => {
    if (task !== undefined)
      client.cancelTask({ tenant: '', id: task.id, metadata: undefined }).catch(() => {})
  }
  signal.addEventListener('abort', cancel, { once: true })
  try {
    for await (const event of events) {
      const p = event.payload
      if (p === undefined) continue
      if (p.$case === 'message') return valueOfParts((p.value as Message).parts)
      if (p.$case === 'task') task = p.value as Task
      else if (task !== undefined && p.$case === 'statusUpdate') task.status = (p.value as Task).status
      else if (task !== undefined && p.$case === 'artifactUpdate')
        addArtifact(task, p.value as ArtifactUpdate)
      if (isFinal(task?.status?.state)) return resultOfTask(task as Task)
    }
    if (signal.aborted) throw signal.reason
    if (task === undefined)
      throw new HandlerError('handler_invalid_output', 'the A2A agent ended its stream without an answer')
    return resultOfTask(task)
  } catch (err) {
    if (signal.aborted) throw signal.reason
    throw err
  } finally {
    signal.removeEventListener('abort', cancel)
  }
}

type ArtifactUpdate = { artifact?: Task['artifacts'][number]; append: boolean }

function addArtifact(task: Task, update: ArtifactUpdate): void {
  const artifact = update.artifact
  if (artifact === undefined) return
  const existing = task.artifacts.find((a) => a.artifactId === artifact.artifactId)
  if (existing !== undefined && update.append) existing.parts.push(...artifact.parts)
  else if (existing !== undefined) existing.parts = [...artifact.parts]
  else task.artifacts.push({ ...artifact, parts: [...artifact.parts] })
}

function answerOf(result: Message | Task): unknown {
  return 'messageId' in result && !('status' in result)
    ? valueOfParts(result.parts)
    : resultOfTask(result as Task)
}
