import type { AgentHandler } from '@mesh-node/sdk'
import { builtinBid, builtinBrainstorm, builtinCritique, builtinVote } from './builtin-answers.js'
import { BUILTIN_NAMES, isBuiltinName, isOptionProblem, parseBuiltinOptions } from './builtin-options.js'
import { BUILTIN_TASKS } from './builtin-tasks.js'
import { HandlerError, unsupportedRequest } from './errors.js'
import type { BuiltinHandlerSpec } from './spec.js'

/** In-process handlers for demos and tests; every builtin answers every request type. */
export function builtinHandler(spec: BuiltinHandlerSpec): AgentHandler {
  const { name } = spec
  if (!isBuiltinName(name)) {
    throw new HandlerError(
      'handler_unsupported',
      `unknown builtin ${JSON.stringify(name)}; known builtins: ${BUILTIN_NAMES.join(', ')}`
    )
  }
  const options = parseBuiltinOptions(spec.options)
  if (isOptionProblem(options)) {
    const where = options.field === '' ? 'options' : `options.${options.field}`
    throw new HandlerError('handler_unsupported', `builtin ${name}: ${where} ${options.problem}`)
  }
  const task = BUILTIN_TASKS[name]

  return (request, ctx) => {
    switch (request.type) {
      case 'task_request':
        return task(request, options, ctx)
      case 'consensus_vote':
        return builtinVote(request, options)
      case 'brainstorm':
        return builtinBrainstorm(request, options, ctx.agent)
      case 'critique':
        return builtinCritique(request, options)
      case 'bid_request':
        return builtinBid(request, options)
      default:
        throw unsupportedRequest(request)
    }
  }
}
