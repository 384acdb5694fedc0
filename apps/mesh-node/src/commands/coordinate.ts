import { randomUUID } from 'node:crypto'
import {
  CliError,
  parseCount,
  parseDuration,
  printJson,
  printTable,
  progress,
  progressDone,
  readJsonInput
} from '@mesh-node/cli-kit'
import { MAX_TASK_TIMEOUT_MS } from '@mesh-node/client'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { parseTimeout } from './submit.js'

export function voteCommand(): Command {
  return withJson(withDataDir(new Command('vote')))
    .description('ask agents to vote on a question; prints the majority choice and every vote')
    .requiredOption('--question <text>', 'the question')
    .requiredOption(
      '--options <list>',
      'comma-separated choices, e.g. a,b,c (ties go to the one listed first)'
    )
    .option('--capability <name>', 'voters are the agents with this capability (default: every agent)')
    .option('--quorum <n>', 'valid votes needed (default: more than half of the voters)')
    .option('--timeout <duration>', 'voting deadline: 500ms, 5s, 2m or plain ms (default 10s)')
    .action(
      async (
        options: CommonOptions & {
          question: string
          options: string
          capability?: string
          quorum?: string
          timeout?: string
        }
      ) => {
        const choices = options.options
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o !== '')
        if (choices.length === 0)
          throw new CliError('--options needs at least one choice, e.g. --options yes,no')
        const client = await clientFor(options)
        if (options.json !== true) progress('collecting votes...')
        const res = await client.vote({
          question: options.question,
          options: choices,
          capability: options.capability,
          quorum: parseCount(options.quorum, '--quorum', { min: 1, max: 64, unit: 'votes' }),
          timeoutMs: parseTimeout(options.timeout)
        })
        if (options.json === true) printJson(res)
        else {
          progressDone(`${res.votes.length} of ${res.asked} voted, ${res.abstained.length} abstained`)
          printTable(
            ['AGENT', 'PEER ID', 'VOTE'],
            [
              ...res.votes.map((v) => [v.agent, v.peerId, v.choice]),
              ...res.abstained.map((a) => [a.agent, a.peerId, `(abstained: ${a.reason})`])
            ],
            'no voters'
          )
          if (res.quorumMet)
            process.stdout.write(`\nchoice: ${res.choice} (confidence ${res.confidence.toFixed(2)})\n`)
        }
        if (!res.quorumMet) {
          process.stderr.write(
            `error: quorum not met: ${res.votes.length} valid vote(s) of ${res.asked}, ${res.quorum} needed\n`
          )
          process.exitCode = 1
        }
      }
    )
}

export function auctionCommand(): Command {
  return withJson(withDataDir(new Command('auction')))
    .description(
      'auction a task: capable agents bid, the best score runs it (the next bid takes over if it fails)'
    )
    .requiredOption('--capability <name>', 'the capability the task needs')
    .option('--input <json>', 'the task input: JSON, - for JSON on stdin, or @FILE (default: null)')
    .option(
      '--deadline <duration>',
      'how long bids are collected, e.g. 500ms or 2s (default 2s; closes early when every capable agent has bid)'
    )
    .option('--timeout <duration>', 'task timeout, e.g. 5s or 2m (default 30s)')
    .action(
      async (
        options: CommonOptions & { capability: string; input?: string; deadline?: string; timeout?: string }
      ) => {
        const input = await readJsonInput(options.input)
        const client = await clientFor(options)
        if (options.json !== true) progress(`calling for bids on ${options.capability}...`)
        const res = await client.auction({
          capability: options.capability,
          input,
          deadlineMs: parseDuration(options.deadline, '--deadline', { max: 60_000 }),
          timeoutMs: parseTimeout(options.timeout)
        })
        if (options.json === true) printJson(res)
        else {
          progressDone(`won by ${res.winner} on ${res.winnerPeerId}; ran on ${res.executor ?? '-'}`)
          printTable(
            ['AGENT', 'PEER ID', 'SCORE', 'OFFER', 'LOAD'],
            res.bids.map((b) => [
              b.agent,
              b.peerId,
              b.score.toFixed(3),
              b.offer.toFixed(2),
              `${b.running}/${b.capacity}`
            ]),
            'no bids'
          )
          process.stdout.write(
            `\n${typeof res.result === 'string' ? res.result : JSON.stringify(res.result, null, 2)}\n`
          )
        }
        if (res.status !== 'completed') {
          process.stderr.write(
            `error: ${res.error?.code ?? 'failed'}: ${res.error?.message ?? 'task failed'}\n`
          )
          process.exitCode = 1
        }
      }
    )
}

export function solveCommand(): Command {
  return withJson(withDataDir(new Command('solve')))
    .description('solve a problem together: brainstorm, critique, vote, implement')
    .requiredOption('--problem <text>', 'the problem')
    .option(
      '--capability <name>',
      'participants are the agents with this capability, which also implements the decision'
    )
    .option('--phase-timeout <duration>', 'deadline of each phase, e.g. 10s or 1m')
    .action(
      async (options: CommonOptions & { problem: string; capability?: string; phaseTimeout?: string }) => {
        const client = await clientFor(options)
        const correlationId = randomUUID()
        const stop = new AbortController()
        // Phase progress comes from the daemon's event stream.
        const following =
          options.json === true
            ? Promise.resolve()
            : (async () => {
                try {
                  for await (const e of client.events({ types: ['solve_phase'], signal: stop.signal })) {
                    if (e.correlationId === correlationId) progress(`phase: ${String(e.phase)}`)
                  }
                } catch {
                  // Progress is a nicety; the answer comes from the request.
                }
              })()
        try {
          const res = await client.solve({
            problem: options.problem,
            capability: options.capability,
            correlationId,
            phaseTimeoutMs: parseDuration(options.phaseTimeout, '--phase-timeout', {
              min: 100,
              max: MAX_TASK_TIMEOUT_MS
            })
          })
          if (options.json === true) printJson(res)
          else {
            progressDone(`decided: ${res.decision.choice} (confidence ${res.decision.confidence.toFixed(2)})`)
            process.stdout.write(
              `ideas:\n${res.ideas.map((i) => `  - ${i.idea} (${i.agent})`).join('\n')}\nrefined:\n${res.refined.map((r) => `  - ${r}`).join('\n')}\n`
            )
            process.stdout.write(
              `result (${res.implementation.status} on ${res.implementation.executor ?? '-'}):\n${JSON.stringify(res.result, null, 2)}\n`
            )
          }
          if (res.implementation.status !== 'completed') process.exitCode = 1
        } finally {
          stop.abort()
          await following
        }
      }
    )
}
