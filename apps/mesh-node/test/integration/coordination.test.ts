import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { AuctionResultInfo } from '@mesh-node/client'
import { at } from '@mesh-node/test-utils'
import { execAgent } from '../helpers/agents.js'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const voter = (name: string, capability: string, vote: unknown) => ({
  name,
  capabilities: [capability],
  capacity: 1,
  handler: { kind: 'builtin', name: 'echo', options: { vote } }
})

async function knowsAll(d: TestDaemon, capability: string, count: number): Promise<void> {
  await waitFor(async () => (await d.client.agents({ capability })).length === count, {
    message: `${count} ${capability} agents to be known`
  })
}

describe('consensus voting across daemons', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    for (const d of daemons) d.kill('SIGCONT')
    await stopAll(daemons)
  })

  it('returns the majority with confidence and all votes; slow, absent and invalid voters abstain', async () => {
    const dir = tmpDataDir()
    const sleepy = execAgent(
      dir,
      'sleepy',
      '  setTimeout(() => process.stdout.write(JSON.stringify({ choice: "b" })), 8000)'
    )
    const tag = uniqueTag()
    const [n1, n2, n3, absent] = await Promise.all([
      startTestDaemon({
        tag,
        config: { agents: [voter('v1', 'voter', { choice: 'a' }), voter('t1', 'trio', { choice: 'a' })] }
      }),
      startTestDaemon({
        tag,
        config: {
          agents: [
            voter('v2', 'voter', { choice: 'a' }),
            voter('v3', 'voter', { choice: 'b' }),
            voter('t2', 'trio', { choice: 'b' }),
            { name: 'slow', capabilities: ['voter'], capacity: 1, handler: { kind: 'exec', command: sleepy } }
          ]
        }
      }),
      startTestDaemon({
        tag,
        config: {
          agents: [voter('bad', 'voter', { choice: 'not-an-option' }), voter('t3', 'trio', { choice: 'a' })]
        }
      }),
      startTestDaemon({ tag, config: { agents: [voter('gone', 'voter', { choice: 'b' })] } })
    ])
    daemons.push(n1, n2, n3, absent)
    await knowsAll(n1, 'voter', 6)
    await knowsAll(n1, 'trio', 3)

    const trio = await n1.cli([
      'vote',
      '--question',
      'pick one',
      '--options',
      'a,b',
      '--capability',
      'trio',
      '--json'
    ])
    assert.equal(trio.code, 0, trio.stderr)
    const t = JSON.parse(trio.stdout)
    assert.equal(t.choice, 'a')
    assert.equal(t.confidence, 2 / 3)
    assert.deepEqual(t.votes.map((v: { agent: string; choice: string }) => `${v.agent}:${v.choice}`).sort(), [
      't1:a',
      't2:b',
      't3:a'
    ])
    assert.equal(t.quorumMet, true)

    absent.kill('SIGSTOP')
    const res = await n1.client.vote({
      question: 'a or b?',
      options: ['a', 'b', 'c'],
      capability: 'voter',
      quorum: 3,
      timeoutMs: 2500
    })
    absent.kill('SIGCONT')
    assert.equal(res.asked, 6)
    assert.equal(res.choice, 'a')
    assert.equal(res.confidence, 2 / 6)
    assert.deepEqual(res.votes.map((v) => `${v.agent}:${v.choice}`).sort(), ['v1:a', 'v2:a', 'v3:b'])
    const abstained = Object.fromEntries(res.abstained.map((a) => [a.agent, a.reason]))
    assert.deepEqual(Object.keys(abstained).sort(), ['bad', 'gone', 'slow'])
    assert.match(abstained.bad ?? 'no reason given', /invalid choice "not-an-option"/)
    assert.equal(res.quorum, 3)
    assert.equal(res.quorumMet, true)

    const tie = await n1.client.vote({
      question: 'tie?',
      options: ['b', 'a'],
      capability: 'trio',
      quorum: 1,
      timeoutMs: 5000
    })
    assert.equal(tie.choice, 'a', 'a has two votes even when listed second')

    const failed = await n1.cli([
      'vote',
      '--question',
      'q',
      '--options',
      'a,b',
      '--capability',
      'trio',
      '--quorum',
      '4'
    ])
    assert.equal(failed.code, 1)
    assert.match(failed.stderr, /quorum not met: 3 valid vote\(s\) of 3, 4 needed/)
  })
})

describe('task auctions', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  const job = (name: string) => ({
    name,
    capabilities: ['job'],
    capacity: 2,
    handler: { kind: 'builtin', name: 'slow' }
  })

  it('gives the task to an idle agent over a loaded one, then to the next bidder when the winner dies', async () => {
    const tag = uniqueTag()
    const [busy, idle, third, auctioneer] = await Promise.all([
      startTestDaemon({ tag, config: { agents: [job('busy')] } }),
      startTestDaemon({ tag, config: { agents: [job('idle')] } }),
      startTestDaemon({ tag, config: { agents: [job('third')] } }),
      startTestDaemon({ tag })
    ])
    daemons.push(busy, idle, third, auctioneer)
    await knowsAll(auctioneer, 'job', 3)
    await knowsAll(busy, 'job', 3)

    // Load `busy` and `third` with one long task each (run locally: least loaded, nearest).
    for (const d of [busy, third]) {
      const r = await d.cli(['submit', '--capability', 'job', '--input', '{"ms": 20000}', '--no-wait'])
      assert.equal(r.code, 0, r.stderr)
    }
    await waitFor(
      async () =>
        (await auctioneer.client.agents({ capability: 'job' })).filter((a) => a.running === 1).length === 2,
      {
        message: 'the auctioneer to see two loaded agents'
      }
    )

    const res = await auctioneer.cli(['auction', '--capability', 'job', '--input', '{"ms": 10}', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const won = JSON.parse(res.stdout) as AuctionResultInfo
    assert.equal(won.bids.length, 3)
    assert.equal(won.winner, 'idle')
    assert.equal(won.winnerPeerId, idle.peerId)
    assert.equal(won.executor, idle.peerId)
    assert.equal(won.status, 'completed')
    assert.deepEqual(won.result, { slept: 10, input: { ms: 10 } })
    const loaded = won.bids.find((b) => b.agent === 'busy')
    assert.ok(loaded, 'the busy agent bid')
    assert.ok(loaded.score < at(won.bids, 0).score && loaded.offer === 0.5)

    // Now the winner dies while it runs the task: the next bidder takes it.
    const running = auctioneer.client.auction({ capability: 'job', input: { ms: 4000 }, timeoutMs: 60_000 })
    const started = await waitFor(
      async () =>
        (await auctioneer.client.tasks()).find(
          (t) => t.role === 'origin' && t.status !== 'completed' && t.attempts.length > 0
        ),
      { message: 'the auctioned task to start' }
    )
    const victim = [busy, idle, third].find((d) => d.peerId === at(started.attempts, 0).executor)
    assert.ok(victim, 'the executor is one of the bidders')
    assert.equal(victim, idle, 'the idle agent won again')
    victim.kill('SIGKILL')
    const out = await running
    assert.equal(out.status, 'completed')
    assert.equal(out.winnerPeerId, idle.peerId)
    assert.notEqual(out.executor, idle.peerId)
    const task = await auctioneer.client.task(out.taskId)
    assert.equal(at(task.attempts, 0).outcome, 'lost')
  })

  it('says clearly when nobody bids', async () => {
    const res = await at(daemons, 3).cli(['auction', '--capability', 'nobody.bids', '--deadline', '500'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /no agent bid for nobody\.bids/)
  })
})

describe('collaborative problem solving', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('goes through brainstorm, critique, vote and implement with exec agents', async () => {
    const dir = tmpDataDir()
    const thinker = execAgent(
      dir,
      'thinker',
      `  const me = process.env.MESH_AGENT
  let out
  if (req.type === 'brainstorm') out = { idea: 'use ' + me + ' for ' + req.problem }
  else if (req.type === 'critique') out = { ideas: req.ideas.map((i) => 'refined ' + i).sort() }
  else if (req.type === 'consensus_vote') out = { choice: req.options[0] }
  else if (req.type === 'task_request') out = { implemented: req.input.idea, by: me }
  else out = {}
  process.stdout.write(JSON.stringify(out))`
    )
    const agent = (name: string) => ({
      name,
      capabilities: ['think'],
      capacity: 2,
      handler: { kind: 'exec', command: thinker }
    })
    const tag = uniqueTag()
    const nodes = await Promise.all([
      startTestDaemon({ tag, config: { agents: [agent('alpha')] } }),
      startTestDaemon({ tag, config: { agents: [agent('beta'), agent('gamma')] } }),
      startTestDaemon({ tag })
    ])
    daemons.push(...nodes)
    await knowsAll(nodes[2], 'think', 3)

    const res = await nodes[2].cli(['solve', '--problem', 'caching', '--capability', 'think', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const out = JSON.parse(res.stdout)
    assert.deepEqual(out.ideas.map((i: { idea: string }) => i.idea).sort(), [
      'use alpha for caching',
      'use beta for caching',
      'use gamma for caching'
    ])
    assert.deepEqual(out.refined, [
      'refined use alpha for caching',
      'refined use beta for caching',
      'refined use gamma for caching'
    ])
    assert.equal(out.decision.choice, 'refined use alpha for caching')
    assert.equal(out.decision.confidence, 1)
    assert.equal(out.decision.votes.length, 3)
    assert.equal(out.implementation.status, 'completed')
    assert.equal(out.result.implemented, out.decision.choice)
    // Progress reached the terminal through the event stream.
    const plain = await nodes[2].cli(['solve', '--problem', 'queues', '--capability', 'think'])
    assert.equal(plain.code, 0, plain.stderr)
    assert.match(plain.stdout, /decided: refined use alpha for queues|refined use alpha for queues/)
  })
})
