import type { MeshClient } from '@mesh-node/client'
import type { Tool } from '@modelcontextprotocol/sdk/types.js'

const str = { type: 'string' }
const int = { type: 'integer', minimum: 1 }

/** The leaderless rounds, offered as three tools next to the capabilities. */
export const COORDINATION_TOOLS: Tool[] = [
  {
    name: 'mesh_vote',
    description:
      "Asks the mesh's agents to vote on a question; returns the winning option, the confidence and every vote.",
    inputSchema: {
      type: 'object',
      properties: {
        question: str,
        options: { type: 'array', items: str, minItems: 1, maxItems: 32 },
        capability: { ...str, description: 'only agents with this capability vote' },
        quorum: int,
        timeoutMs: int
      },
      required: ['question', 'options'],
      additionalProperties: false
    }
  },
  {
    name: 'mesh_auction',
    description: 'Collects bids for a task from every capable agent and runs it on the best bidder.',
    inputSchema: {
      type: 'object',
      properties: { capability: str, input: {}, deadlineMs: int, timeoutMs: int },
      required: ['capability'],
      additionalProperties: false
    }
  },
  {
    name: 'mesh_solve',
    description:
      'Solves a problem collaboratively: brainstorm, critique, vote, then implement the chosen idea.',
    inputSchema: {
      type: 'object',
      properties: { problem: str, capability: str, phaseTimeoutMs: int },
      required: ['problem'],
      additionalProperties: false
    }
  }
]

/** Runs a coordination tool; the daemon validates the arguments and its error names the field. */
export async function runCoordination(
  client: MeshClient,
  name: string,
  args: Record<string, unknown>,
  signal: AbortSignal
): Promise<unknown> {
  const path = name === 'mesh_vote' ? '/v1/votes' : name === 'mesh_auction' ? '/v1/auctions' : '/v1/solve'
  // Rounds are bounded by their own timeouts in the daemon; this only stops a hung connection.
  return await client.request('POST', path, args, { timeoutMs: 30 * 60_000, signal })
}
