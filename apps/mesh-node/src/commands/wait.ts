import { setTimeout as sleep } from 'node:timers/promises'
import { CliError, parseCount, parseDuration, printJson } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'

interface WaitOptions extends CommonOptions {
  peers?: string
  capability?: string[]
  timeout: string
}

const POLL_MS = 100
const MIN_POLL_TIMEOUT_MS = 250
const MAX_TIMEOUT_MS = 3_600_000

/** `--peers N`: a whole number of peers. */
const parsePeers = (text: string | undefined): number | undefined =>
  parseCount(text, '--peers', { min: 0, max: 100_000, unit: 'peers' })

interface Observed {
  peers: number
  agents: Record<string, number>
}

/** What is still missing, in words; empty when every condition holds. */
function missing(want: { peers?: number; capabilities: string[] }, seen: Observed): string[] {
  const out: string[] = []
  if (want.peers != null && seen.peers < want.peers)
    out.push(`${want.peers} connected peers (have ${seen.peers})`)
  for (const c of want.capabilities)
    if ((seen.agents[c] ?? 0) === 0) out.push(`an agent with capability ${c} (none known)`)
  return out
}

export function waitCommand(): Command {
  return withJson(withDataDir(new Command('wait')))
    .description(
      'wait until the node has N peers and/or knows agents with the given capabilities (waits for the daemon to come up too); for scripts'
    )
    .option('--peers <n>', 'at least this many connected peers')
    .option(
      '--capability <name>',
      'an agent with this capability somewhere in the mesh (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v]
    )
    .option('--timeout <duration>', 'give up after this long, e.g. 500ms, 10s, 2m', '30s')
    .action(async (options: WaitOptions) => {
      const want = { peers: parsePeers(options.peers), capabilities: options.capability ?? [] }
      if (want.peers == null && want.capabilities.length === 0)
        throw new CliError(
          'wait needs --peers N and/or --capability NAME; e.g. mesh-node wait --peers 1 --timeout 10s'
        )
      const timeoutMs = parseDuration(options.timeout, '--timeout', { max: MAX_TIMEOUT_MS }) ?? 30_000
      const deadline = Date.now() + timeoutMs
      let seen: Observed | undefined
      let lastError: Error | undefined
      while (true) {
        try {
          // A poll near the deadline still gets a fair chance to answer, so a slow
          // machine reports what is missing rather than "the daemon did not answer".
          const client = await clientFor(
            options,
            Math.max(MIN_POLL_TIMEOUT_MS, Math.min(5000, deadline - Date.now()))
          )
          const agents: Record<string, number> = {}
          for (const c of want.capabilities) agents[c] = (await client.agents({ capability: c })).length
          seen = { peers: (await client.peers()).length, agents }
          lastError = undefined
          if (missing(want, seen).length === 0) break
        } catch (err) {
          lastError = err as Error
        }
        if (Date.now() + POLL_MS > deadline) {
          const why =
            seen == null
              ? `the daemon did not answer (${lastError?.message ?? 'no reply'}); is it started with this --data-dir?`
              : `still waiting for ${missing(want, seen).join(' and ')}`
          throw new CliError(`timed out after ${options.timeout}: ${why}`, 'timeout')
        }
        await sleep(POLL_MS)
      }
      if (options.json === true) printJson(seen)
      else
        process.stdout.write(
          `ready: ${seen.peers} peers${Object.entries(seen.agents)
            .map(([c, n]) => `, ${n} agents with ${c}`)
            .join('')}\n`
        )
    })
}
