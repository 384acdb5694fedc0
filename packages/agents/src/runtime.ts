import type { AgentHandler, HandlerContext, TaskRequest } from '@mesh-node/sdk'
import { AgentConfigError, errorMessage, HandlerError } from './errors.js'
import { createLiveHandler, type LiveHandler } from './handlers/create-handler.js'
import { createProcessGuard, type ProcessGuard, reapLeftovers } from './handlers/process-guard.js'
import { toJsonValue } from './json.js'
import type { LiveAgent } from './live-agent.js'
import { QuestionSlots } from './question-slots.js'
import type {
  AgentRuntime,
  AgentRuntimeInit,
  AgentState,
  CallOptions,
  RunOutcome,
  RuntimeLog,
  TaskPiece
} from './runtime-types.js'
import { SchemaChecker, SchemaCompileError } from './schema-check.js'
import type { AgentSpec, CapabilitySchemas } from './spec.js'

interface LocalAgent {
  spec: AgentSpec
  handler: AgentHandler
  running: number
  questions: QuestionSlots
  live?: LiveAgent
}

/** What joins a log line to its task and trace. */
interface TaskLogFields {
  taskId?: string
  traceId?: string
}

/** Questions that may wait for a question slot, per unit of capacity. */
const QUESTION_QUEUE_PER_SLOT = 8

/**
 * Starts the local agents: builds every handler up front (so a bad module
 * path fails at startup, not on the first task) and tracks their load.
 */
export async function createAgentRuntime(init: AgentRuntimeInit): Promise<AgentRuntime> {
  const log = init.log ?? (() => {})
  let guard: ProcessGuard | undefined
  if (init.processDir !== undefined) {
    const leftovers = reapLeftovers(init.processDir)
    if (leftovers > 0)
      log('warn', 'killed exec agent process groups left by a previous run', { count: leftovers })
    guard = createProcessGuard(init.processDir)
  }
  const agents = new Map<string, LocalAgent>()
  try {
    for (const spec of init.agents) {
      if (agents.has(spec.name))
        throw new AgentConfigError(spec.name, 'name', 'is used by more than one agent')
      agents.set(spec.name, {
        spec,
        ...(await buildHandler(spec, init.baseDir, log, init.agentEnv, guard)),
        running: 0,
        questions: new QuestionSlots(spec.name, spec.capacity, spec.capacity * QUESTION_QUEUE_PER_SLOT)
      })
    }
  } catch (err) {
    // Servers started for the agents built so far must not outlive a failed start.
    await Promise.allSettled([...agents.values()].map((a) => a.live?.close()))
    throw err
  }

  const checker = new SchemaChecker()
  // The executor checks again what the origin checked: the origin may be an older or foreign node.
  const checkAgainst = (
    schema: unknown,
    value: unknown,
    label: string,
    code: 'invalid_input' | 'invalid_output'
  ) => {
    if (schema === undefined) return
    let problem: string | undefined
    try {
      problem = checker.check(schema, value, label)
    } catch (err) {
      // Only a schema derived from a service can fail here (the config's compile at startup): it goes unchecked.
      if (!(err instanceof SchemaCompileError)) throw err
      log('warn', 'a capability schema does not compile; not checked', { label, error: err.message })
      return
    }
    if (problem !== undefined) throw new HandlerError(code, problem)
  }
  const shutdown = new AbortController()
  const inFlight = new Set<Promise<unknown>>()
  const listeners = new Set<(agents: AgentState[]) => void>()
  let closed = false

  // An agent whose service is away has no capabilities and is left out, so the mesh sees it leave.
  const present = () => [...agents.values()].filter((a) => capabilitiesOf(a).length > 0)
  const list = () => present().map(stateOf)

  const notify = () => {
    if (listeners.size === 0) return
    const snapshot = list()
    for (const listener of listeners) {
      try {
        listener(snapshot)
      } catch (err) {
        log('warn', 'agent state listener threw', { error: errorMessage(err) })
      }
    }
  }

  const contextFor = (
    agent: LocalAgent,
    signal: AbortSignal,
    onPiece?: (piece: TaskPiece) => void,
    task: TaskLogFields = {}
  ): HandlerContext => ({
    signal,
    agent: agent.spec.name,
    log: (msg, fields) => log('info', msg, { agent: agent.spec.name, ...task, ...fields }),
    emit: (kind, data) => {
      if (signal.aborted || onPiece === undefined) return
      try {
        onPiece({ kind, data: toJsonValue(data), agent: agent.spec.name })
      } catch (err) {
        log('debug', 'piece dropped', { agent: agent.spec.name, error: errorMessage(err) })
      }
    }
  })

  const callSignal = (signal: AbortSignal | undefined) =>
    signal === undefined ? shutdown.signal : AbortSignal.any([shutdown.signal, signal])

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise)
    const done = () => inFlight.delete(promise)
    promise.then(done, done)
    return promise
  }

  for (const agent of agents.values()) agent.live?.onChange(notify)

  const byLoad = (capability: string) =>
    [...agents.values()]
      .filter((a) => capabilitiesOf(a).includes(capability))
      .sort(
        (a, b) =>
          a.running / a.spec.capacity - b.running / b.spec.capacity || compare(a.spec.name, b.spec.name)
      )

  const execute = async (
    agent: LocalAgent,
    request: TaskRequest,
    signal: AbortSignal,
    options: CallOptions
  ): Promise<RunOutcome> => {
    const name = agent.spec.name
    const { onPiece, traceId } = options
    const task: TaskLogFields =
      traceId === undefined ? { taskId: request.taskId } : { taskId: request.taskId, traceId }
    try {
      await options.beforeStart?.(name)
    } catch (err) {
      log('error', 'could not record the start of a task; not run', {
        agent: name,
        ...task,
        error: errorMessage(err)
      })
      return {
        status: 'failed',
        agent: name,
        error: { code: 'journal_failed', message: `could not record the start: ${errorMessage(err)}` }
      }
    }
    try {
      const declared = schemasOf(agent)[request.capability]
      checkAgainst(declared?.inputSchema, request.input, 'input', 'invalid_input')
      const result = toJsonValue(await agent.handler(request, contextFor(agent, signal, onPiece, task)))
      checkAgainst(declared?.outputSchema, result, 'result', 'invalid_output')
      log('debug', 'task completed', { agent: name, ...task })
      return { status: 'completed', agent: name, result }
    } catch (err) {
      const error = describeError(err, signal)
      log('warn', 'task failed', { agent: name, ...task, ...error })
      return { status: 'failed', agent: name, error }
    }
  }

  return {
    list,

    capabilities: () => [...new Set(present().flatMap(capabilitiesOf))].sort(compare),

    candidates: (capability) => byLoad(capability).map(stateOf),

    runTask(request, options = {}) {
      const all = byLoad(request.capability).filter(
        (a) => options.agent === undefined || a.spec.name === options.agent
      )
      if (all.length === 0) return Promise.resolve({ status: 'none' })
      const agent = closed ? undefined : all.find((a) => a.running < a.spec.capacity)
      if (agent === undefined) return Promise.resolve({ status: 'busy' })
      // Taken before any await: concurrent calls see the slot as used.
      agent.running++
      notify()
      const outcome = execute(agent, request, callSignal(options.signal), options).finally(() => {
        agent.running--
        notify()
      })
      return track(outcome)
    },

    async ask(name, request, options = {}) {
      const agent = agents.get(name)
      if (agent === undefined)
        throw new HandlerError('handler_unsupported', `no local agent named ${JSON.stringify(name)}`)
      if ((request as { type: string }).type === 'task_request') {
        throw new HandlerError('handler_unsupported', 'task requests go through runTask, not ask')
      }
      if (closed) throw new HandlerError('handler_failed', 'the agent runtime is closed')
      const signal = callSignal(options.signal)
      const answer = (async () => {
        const release = await agent.questions.acquire(signal).catch((err: unknown) => {
          if (err instanceof HandlerError) throw err
          throw new HandlerError(
            'handler_timeout',
            `gave up waiting for a question slot: ${errorMessage(err)}`
          )
        })
        try {
          return toJsonValue(await agent.handler(request, contextFor(agent, signal)))
        } catch (err) {
          if (err instanceof HandlerError) throw err
          throw new HandlerError('handler_failed', describeError(err, signal).message, { cause: err })
        } finally {
          release()
        }
      })()
      return track(answer)
    },

    onChange(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },

    async close() {
      if (!closed) {
        closed = true
        shutdown.abort(new Error('the agent runtime is closing'))
      }
      await Promise.allSettled([...inFlight])
      guard?.close()
      listeners.clear()
      await Promise.allSettled([...agents.values()].map((a) => a.live?.close()))
    }
  }
}

async function buildHandler(
  spec: AgentSpec,
  baseDir: string,
  log: RuntimeLog,
  agentEnv?: (agent: string) => Record<string, string>,
  processGuard?: ProcessGuard
): Promise<LiveHandler> {
  try {
    return await createLiveHandler(spec.handler, {
      baseDir,
      agent: spec.name,
      log,
      env: agentEnv != null ? () => agentEnv(spec.name) : undefined,
      processGuard
    })
  } catch (err) {
    if (err instanceof HandlerError) {
      throw new HandlerError(err.code, `agent ${JSON.stringify(spec.name)}: ${err.message}`, { cause: err })
    }
    throw err
  }
}

function capabilitiesOf(agent: LocalAgent): string[] {
  return agent.live?.capabilities() ?? agent.spec.capabilities
}

function schemasOf(agent: LocalAgent): Record<string, CapabilitySchemas> {
  return agent.live?.schemas() ?? agent.spec.schemas ?? {}
}

function stateOf(agent: LocalAgent): AgentState {
  const { name, capacity, handler } = agent.spec
  const schemas = schemasOf(agent)
  return {
    name,
    capabilities: [...capabilitiesOf(agent)],
    capacity,
    running: agent.running,
    load: agent.running / capacity,
    handlerKind: handler.kind,
    ...(Object.keys(schemas).length > 0 ? { schemas } : {})
  }
}

function describeError(err: unknown, signal: AbortSignal): { code: string; message: string } {
  if (err instanceof HandlerError) return { code: err.code, message: err.message }
  // The abort reason resurfaces as the error; say so instead of "operation was aborted".
  const aborted = signal.aborted && err === signal.reason
  return { code: 'handler_failed', message: aborted ? `aborted: ${errorMessage(err)}` : errorMessage(err) }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
