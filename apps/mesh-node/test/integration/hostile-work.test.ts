import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AUCTION_TOPIC, encodeFrame } from '@mesh-node/protocol'
import { at, present } from '@mesh-node/test-utils'
import { execAgent } from '../helpers/agents.js'
import { startTestDaemon, type TestDaemon, tmpDataDir } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { cpuSeconds } from '../helpers/proc-stats.js'
import { waitFor } from '../helpers/wait.js'

/** The most processes that were running at once, from a log of +/- lines. */
function peak(log: string): number {
  let now = 0
  let most = 0
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line.startsWith('+')) most = Math.max(most, ++now)
    else if (line.startsWith('-')) now--
  }
  return most
}

/** True once every process that logged a start has logged its end or is gone (killed at its budget). */
function allEnded(log: string): boolean {
  const lines = readFileSync(log, 'utf8').split('\n')
  const ended = new Set(lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1)))
  return lines
    .filter((l) => l.startsWith('+'))
    .map((l) => l.slice(1))
    .every((pid) => ended.has(pid) || !isAlive(Number(pid)))
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('a hostile peer cannot make a daemon work without limit', { timeout: 300_000 }, () => {
  let d: TestDaemon
  let rogue: HostilePeer
  let log: string
  let addr: string

  before(async () => {
    const dir = tmpDataDir()
    log = join(dir, 'runs.log')
    writeFileSync(log, '')
    // Every question runs a process that logs its start and end and answers after 300 ms.
    const slow = execAgent(
      dir,
      'slow',
      `  const fs = await import('node:fs')
  fs.appendFileSync(${JSON.stringify(log)}, '+' + process.pid + '\\n')
  // A bid has a 1 s budget, so it answers at once; questions take 300 ms.
  if (req.type !== 'bid_request') await new Promise((r) => setTimeout(r, 300))
  fs.appendFileSync(${JSON.stringify(log)}, '-' + process.pid + '\\n')
  process.stdout.write(JSON.stringify(req.type === 'bid_request' ? { score: 0.5 } : { choice: req.options?.[0] ?? 'x' }))`
    )
    d = await startTestDaemon({
      config: {
        agents: [
          { name: 'exec2', capabilities: ['slow'], capacity: 2, handler: { kind: 'exec', command: slow } }
        ]
      }
    })
    addr = at((await d.client.id()).addresses, 0)
    rogue = await createHostilePeer()
  })
  after(async () => {
    await rogue?.stop()
    await d?.stop()
  })

  it('runs at most capacity answers at once under 300 agent_asks, refusing the excess at once', async () => {
    writeFileSync(log, '')
    const session = await rogue.open(addr)
    const deadline = Date.now() + 30_000
    for (let i = 0; i < 300; i++) {
      session.send({
        type: 'agent_ask',
        id: `a${i}`,
        correlationId: `flood-${i}`,
        agent: 'exec2',
        deadline,
        question: { type: 'consensus_vote', question: 'which?', options: ['x', 'y'] }
      })
    }
    const answers: Array<Record<string, unknown>> = []
    for (let i = 0; i < 300; i++) answers.push(await session.next(30_000))
    const codes = answers.map((a) => (a.error as { code?: string } | undefined)?.code ?? 'answered')
    const answered = codes.filter((c) => c === 'answered').length
    assert.ok(answered >= 2 && answered <= 18, `${answered} answered (2 running + 16 queued at most)`)
    assert.deepEqual([...new Set(codes.filter((c) => c !== 'answered'))], ['handler_busy'])
    console.log(
      `agent_ask flood: ${answered} of 300 answered, the rest handler_busy; peak ${peak(log)} processes`
    )
    assert.ok(peak(log) <= 2, `${peak(log)} processes ran at once; the agent's capacity is 2`)
    // And the agent still answers once the flood has passed.
    const vote = await d.client.vote({ question: 'still there?', options: ['x', 'y'], capability: 'slow' })
    assert.equal(vote.choice, 'x')
  })

  it('runs at most capacity bid evaluations at once under 300 call_for_bids', async () => {
    writeFileSync(log, '')
    await rogue.connect(addr)
    rogue.node.services.pubsub.subscribe(AUCTION_TOPIC)
    await waitFor(
      () => rogue.node.services.pubsub.getSubscribers(AUCTION_TOPIC).some((p) => p.toString() === d.peerId),
      {
        message: 'the daemon to subscribe to the auction topic'
      }
    )
    const call = (correlationId: string) =>
      rogue.publish(AUCTION_TOPIC, {
        type: 'call_for_bids',
        correlationId,
        auctioneer: rogue.peerId,
        capability: 'slow',
        input: null,
        // Far enough out that a loaded daemon still has the whole 1 s bid budget.
        deadline: Date.now() + 30_000
      })
    // Seeing the daemon's subscription does not mean the rogue's own gossip
    // stream to it is open yet: call until one auction reaches the agent, so
    // the flood is not published into a stream that does not exist.
    let probes = 0
    await waitFor(
      async () => {
        if (readFileSync(log, 'utf8').length > 0) return true
        if (probes % 10 === 0) await call(`probe-${probes}`)
        probes++
        return false
      },
      { timeoutMs: 30_000, message: 'a call_for_bids to reach the agent' }
    )
    for (let i = 0; i < 300; i++) await call(`cfb-${i}`)
    // Bids take at most 1 s each; wait until the evaluations are over.
    await waitFor(() => allEnded(log), { timeoutMs: 30_000, message: 'bid evaluations to finish' })
    console.log(`call_for_bids flood: peak ${peak(log)} processes`)
    assert.ok(peak(log) <= 2, `${peak(log)} processes ran at once; the agent's capacity is 2`)
  })

  it('decodes a 1 MiB frame sent in 64-byte chunks in linear time', async () => {
    const session = await rogue.open(addr)
    // A first round trip completes protocol negotiation, whose 10 s timeout
    // would otherwise run while the slow frame is being sent.
    session.send({ type: 'capability_query', id: 'hello' })
    assert.equal((await session.next()).type, 'capability_reply')
    const frame = encodeFrame({
      type: 'task_request',
      id: 'big',
      taskId: 'chunked-frame',
      capability: 'nobody-has-this',
      input: 'z'.repeat(1024 * 1024 - 400),
      from: rogue.peerId,
      deadline: Date.now() + 30_000,
      hops: 1,
      path: [rogue.peerId]
    })
    const before = cpuSeconds(present(d.proc.pid, 'the daemon pid'))
    // Queued all at once: each send is still its own yamux and noise frame, so the
    // daemon receives 64-byte chunks, and the attack does not take long to mount.
    for (let at = 0; at < frame.length; at += 64) session.stream.send(frame.subarray(at, at + 64))
    const reply = await session.next(30_000).catch((err: Error) => {
      const mine = d
        .output()
        .split('\n')
        .filter((l) => l.includes(rogue.peerId))
      throw new Error(`${err.message}\n${mine.slice(-30).join('\n')}`)
    })
    const used = cpuSeconds(present(d.proc.pid, 'the daemon pid')) - before
    assert.equal(reply.id, 'big')
    assert.equal(reply.status, 'no_agent')
    // Recopying the buffer on every chunk cost 5.8 s of CPU here.
    assert.ok(used < 3, `the daemon used ${used.toFixed(2)} s of CPU on one chunked frame`)
    console.log(`chunked 1 MiB frame: daemon CPU ${used.toFixed(2)} s`)
  })
})
