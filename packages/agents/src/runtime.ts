import type { AgentSpec, CapabilitySchemas, LiveAgent } from '@mesh-node/handlers'
import {
  AgentConfigError,
  createProcessGuard,
  errorMessage,
  HandlerError,
  type ProcessGuard,
  reapLeftovers
} from '@mesh-node/handlers'
import type { AgentHandler, HandlerContext, HandlerRequest, TaskRequest } from '@mesh-node/sdk'
import { createLiveHandler, type LiveHandler } from './create-handler.js'
import { toJsonValue } from './json.js'
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

/** The runtime's shared state; the functions below are its parts, each one job. */
interface RuntimeState {
  agents: Map<string, LocalAgent>
  log: RuntimeLog
  checker: SchemaChecker
  shutdown: AbortController
  inFlight: Set<Promise<unknown>>
  listeners: Set<(agents: AgentState[]) => void>
  guard: ProcessGuard | undefined
  closed: boolean
}

/**
 * Starts the local agents: builds every handler up front (so a bad module
 * path fails at startup, not on the first task) and tracks their load.
 */
export async function createAgentRuntime(init: AgentRuntimeInit): Promise<AgentRuntime> {
  const log = init.log ?? (() => {})
  const guard = openProcessGuard(init.processDir, log)
  const state: RuntimeState = {
    agents: await startAgents(init, log, guard),
    log,
    checker: new SchemaChecker(),
    shutdown: new AbortController(),
    inFlight: new Set(),
    listeners: new Set(),
    guard,
    closed: false
  }
  for (const agent of state.agents.values()) agent.live?.onChange(() => notify(state))
  return {
    list: () => list(state),
    capabilities: () => [...new Set(present(state).flatMap(capabilitiesOf))].sort(compare),
    candidates: (capability) => byLoad(state, capability).map(stateOf),
    runTask: (request, options = {}) => runTask(state, request, options),
    ask: (name, request, options = {}) => ask(state, name, request, options),
    onChange(listener) {
      state.listeners.add(listener)
      return () => {
        state.listeners.delete(listener)
      }
    },
    close: () => close(state)
  }
}

/** Kills process groups a previous run left behind, then records this run's. */
function openProcessGuard(processDir: string | undefined, log: RuntimeLog): ProcessGuard | undefined {
  if (processDir === undefined) return undefined
  const leftovers = reapLeftovers(processDir)
  if (leftovers > 0)
    log('warn', 'killed exec agent process groups left by a previous run', { count: leftovers })
  return createProcessGuard(processDir)
}

/** Builds every agent's handler; on any failure closes the connections opened so far. */
async function startAgents(
  init: AgentRuntimeInit,
  log: RuntimeLog,
  guard: ProcessGuard | undefined
): Promise<Map<string, LocalAgent>> {
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
  return agents
}

/** The executor checks again what the origin checked: the origin may be an older or foreign node. */
function checkAgainst(
  state: RuntimeState,
  schema: unknown,
  value: unknown,
  label: string,
  code: 'invalid_input' | 'invalid_output'
): void {
  if (schema === undefined) return
  let problem: string | undefined
  try {
    problem = state.checker.check(schema, value, label)
  } catch (err) {
    // Only a schema derived from a service can fail here (the config's compile at startup): it goes unchecked.
    if (!(err instanceof SchemaCompileError)) throw err
    state.log('warn', 'a capability schema does not compile; not checked', { label, error: err.message })
    return
  }
  if (problem !== undefined) throw new HandlerError(code, problem)
}

/** An agent whose service is away has no capabilities and is left out, so the mesh sees it leave. */
function present(state: RuntimeState): LocalAgent[] {
  return [...state.agents.values()].filter((a) => capabilitiesOf(a).length > 0)
}

function list(state: RuntimeState): AgentState[] {
  return present(state).map(stateOf)
}

function notify(state: RuntimeState): void {
  if (state.listeners.size === 0) return
  const snapshot = list(state)
  for (const listener of state.listeners) {
    try {
      listener(snapshot)
    } catch (err) {
      state.log('warn', 'agent state listener threw', { error: errorMessage(err) })
    }
  }
}

function contextFor(
  state: RuntimeState,
  agent: LocalAgent,
  signal: AbortSignal,
  onPiece?: (piece: TaskPiece) => void,
  task: TaskLogFields = {}
): HandlerContext {
  const { log } = state
  return {
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
  }
}

/** A call ends when its caller gives up or the runtime closes, whichever comes first. */
function callSignal(state: RuntimeState, signal: AbortSignal | undefined): AbortSignal {
  return signal === undefined ? state.shutdown.signal : AbortSignal.any([state.shutdown.signal, signal])
}

/** Remembers a call until it settles, so close() can wait for it. */
function track<T>(state: RuntimeState, promise: Promise<T>): Promise<T> {
  state.inFlight.add(promise)
  const done = () => state.inFlight.delete(promise)
  promise.then(done, done)
  return promise
}

/** The agents offering `capability`, least loaded first (ties by name, so the order is stable). */
function byLoad(state: RuntimeState, capability: string): LocalAgent[] {
  return [...state.agents.values()]
    .filter((a) => capabilitiesOf(a).includes(capability))
    .sort(
      (a, b) => a.running / a.spec.capacity - b.running / b.spec.capacity || compare(a.spec.name, b.spec.name)
    )
}

function runTask(state: RuntimeState, request: TaskRequest, options: CallOptions): Promise<RunOutcome> {
  const all = byLoad(state, request.capability).filter(
    (a) => options.agent === undefined || a.spec.name === options.agent
  )
  if (all.length === 0) return Promise.resolve({ status: 'none' })
  const agent = state.closed ? undefined : all.find((a) => a.running < a.spec.capacity)
  if (agent === undefined) return Promise.resolve({ status: 'busy' })
  // Taken before any await: concurrent calls see the slot as used.
  agent.running++
  notify(state)
  const outcome = execute(state, agent, request, callSignal(state, options.signal), options).finally(() => {
    agent.running--
    notify(state)
  })
  return track(state, outcome)
}

/** Runs one task on `agent`: records its start, checks input and result against the declared schemas. */
async function execute(
  state: RuntimeState,
  agent: LocalAgent,
  request: TaskRequest,
  signal: AbortSignal,
  options: CallOptions
): Promise<RunOutcome> {
  const { log } = state
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
    checkAgainst(state, declared?.inputSchema, request.input, 'input', 'invalid_input')
    const result = toJsonValue(await agent.handler(request, contextFor(state, agent, signal, onPiece, task)))
    checkAgainst(state, declared?.outputSchema, result, 'result', 'invalid_output')
    log('debug', 'task completed', { agent: name, ...task })
    return { status: 'completed', agent: name, result }
  } catch (err) {
    const error = describeError(err, signal)
    log('warn', 'task failed', { agent: name, ...task, ...error })
    return { status: 'failed', agent: name, error }
  }
}

/** A question (vote, brainstorm, critique, bid) for one named agent, in that agent's question pool. */
function ask(
  state: RuntimeState,
  name: string,
  request: Exclude<HandlerRequest, TaskRequest>,
  options: CallOptions
): Promise<unknown> {
  const agent = state.agents.get(name)
  if (agent === undefined)
    return Promise.reject(
      new HandlerError('handler_unsupported', `no local agent named ${JSON.stringify(name)}`)
    )
  if ((request as { type: string }).type === 'task_request') {
    return Promise.reject(
      new HandlerError('handler_unsupported', 'task requests go through runTask, not ask')
    )
  }
  if (state.closed) return Promise.reject(new HandlerError('handler_failed', 'the agent runtime is closed'))
  const signal = callSignal(state, options.signal)
  return track(state, answerInSlot(state, agent, request, signal))
}

async function answerInSlot(
  state: RuntimeState,
  agent: LocalAgent,
  request: Exclude<HandlerRequest, TaskRequest>,
  signal: AbortSignal
): Promise<unknown> {
  const release = await agent.questions.acquire(signal).catch((err: unknown) => {
    if (err instanceof HandlerError) throw err
    throw new HandlerError('handler_timeout', `gave up waiting for a question slot: ${errorMessage(err)}`)
  })
  try {
    return toJsonValue(await agent.handler(request, contextFor(state, agent, signal)))
  } catch (err) {
    if (err instanceof HandlerError) throw err
    throw new HandlerError('handler_failed', describeError(err, signal).message, { cause: err })
  } finally {
    release()
  }
}

async function close(state: RuntimeState): Promise<void> {
  if (!state.closed) {
    state.closed = true
    state.shutdown.abort(new Error('the agent runtime is closing'))
  }
  await Promise.allSettled([...state.inFlight])
  state.guard?.close()
  state.listeners.clear()
  await Promise.allSettled([...state.agents.values()].map((a) => a.live?.close()))
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
