// A vote among 5 agents and an auction among 5 bidders, each agent in its
// own daemon process; the round closes as soon as all have answered, so the
// deadline (5 s) is only a bound and never waited for in a healthy round.
import { collectBids, vote as runVote } from '../lib/surface.mjs'
import { log, round, summarize } from '../lib/util.mjs'

async function rounds(name, count, warmup, once) {
  const samples = []
  let incomplete = 0
  for (let i = 0; i < warmup + count; i++) {
    const t = performance.now()
    const complete = await once(i)
    const ms = performance.now() - t
    if (i < warmup) continue
    if (complete) samples.push(ms)
    else incomplete++
  }
  if (incomplete > 0) log(`  ! ${name}: ${incomplete} of ${count} rounds did not hear from all 5`)
  return { samples, incomplete }
}

export async function coordinationSuite({ mesh, cfg }) {
  const origin = mesh.origin
  const participants = mesh.procs.length
  log(`coordination: ${cfg.rounds} votes among ${participants} agents`)
  const vote = await rounds('vote', cfg.rounds, cfg.warmup, async (i) => {
    const res = await runVote(origin, {
      question: `bench round ${i}: which option?`,
      options: ['alpha', 'beta', 'gamma'],
      capability: 'vote',
      timeoutMs: 5000
    })
    return res.asked === participants && res.votes.length === participants
  })
  log(`coordination: ${cfg.rounds} auctions among ${participants} bidders`)
  const auction = await rounds('auction', cfg.rounds, cfg.warmup, async (i) => {
    const res = await collectBids(origin, {
      capability: 'bid',
      input: { round: i },
      deadlineMs: 5000
    })
    return res.bids.length === participants
  })
  const v = summarize(vote.samples)
  const a = summarize(auction.samples)
  log(`  vote p50 ${round(v.p50)} ms, auction p50 ${round(a.p50)} ms`)
  const common = {
    participants,
    deadlineMs: 5000,
    agents: 'one per executor daemon process; coordinator in the bench process'
  }
  return [
    {
      metric: 'consensus.round_ms',
      value: v.p50,
      unit: 'ms',
      params: { ...common, rounds: v.n, p99: round(v.p99), incomplete: vote.incomplete }
    },
    {
      metric: 'auction.round_ms',
      value: a.p50,
      unit: 'ms',
      params: { ...common, rounds: a.n, p99: round(a.p99), incomplete: auction.incomplete }
    }
  ]
}
