import { SchemaChecker, SchemaCompileError } from '@mesh-node/agents'
import type { CapabilityRegistry } from '@mesh-node/membership'
import { ApiError } from './api-error.js'

/**
 * The origin's check of a task's input against the inputSchema its capable
 * agents declare, before the task is accepted. A task is refused only when
 * every agent known for the capability declares a usable schema and the
 * input satisfies none of them: an untyped agent takes anything, and a
 * schema this node cannot compile is left to its executor. Schemas from
 * peers are compiled with the `remote` checker (no regex evaluation).
 */
export class InputCheck {
  private readonly local = new SchemaChecker()
  private readonly remote = new SchemaChecker({ remote: true })

  constructor(private readonly registry: Pick<CapabilityRegistry, 'find'>) {}

  /** Throws an ApiError 400 `invalid_input` naming the failing field. */
  assertInput(capability: string, input: unknown): void {
    const agents = this.registry.find(capability)
    if (agents.length === 0) return
    let first: string | undefined
    for (const agent of agents) {
      const schema = agent.schemas?.[capability]?.inputSchema
      if (schema === undefined) return
      let problem: string | undefined
      try {
        problem = (agent.local ? this.local : this.remote).check(schema, input, 'input')
      } catch (err) {
        if (err instanceof SchemaCompileError) return
        throw err
      }
      if (problem === undefined) return
      first ??= problem
    }
    throw new ApiError(
      400,
      'invalid_input',
      `${first} (the inputSchema of ${capability}; see agents --schema)`
    )
  }
}
