import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { TopicMessage } from '@mesh-node/client'
import { at } from '@mesh-node/test-utils'
import { BIN, startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

/** Collects a subscription's messages in the background. */
function collect(sub: AsyncIterable<TopicMessage>): TopicMessage[] {
  const got: TopicMessage[] = []
  void (async () => {
    for await (const m of sub) got.push(m)
  })().catch(() => {})
  return got
}

describe('user topics across three daemons', { timeout: 300_000 }, () => {
  let a: TestDaemon
  let b: TestDaemon
  let c: TestDaemon

  before(async () => {
    const tag = uniqueTag()
    ;[a, b, c] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag }),
      startTestDaemon({ tag })
    ])
    for (const d of [a, b, c])
      await waitFor(async () => (await d.client.peers()).length === 2, { message: 'a full mesh of three' })
  })

  after(async () => {
    await stopAll([a, b, c])
  })

  it('delivers a message published on A to a CLI subscriber on C within 2 s', async () => {
    const proc = spawn(
      process.execPath,
      [BIN, 'subscribe', 'news', '--json', '--count', '1', '--data-dir', c.dataDir],
      {
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve))
    try {
      await waitFor(() => stderr.includes('subscribed to news'), {
        message: () => `subscribe to start: ${stderr}`
      })
      // Published through the API: the CLI's own start-up is not what is measured.
      const sent = Date.now()
      const ack = await a.client.publish('news', { headline: 'mesh ships' })
      await waitFor(() => stdout.includes('\n'), {
        timeoutMs: 2000,
        intervalMs: 10,
        message: 'the message on C'
      })
      assert.ok(Date.now() - sent <= 2000)
      const message = JSON.parse(stdout.trim()) as TopicMessage
      assert.deepEqual(message.payload, { headline: 'mesh ships' })
      assert.equal(message.topic, 'news')
      assert.equal(message.from.node, a.peerId)
      assert.equal(message.to, 'broadcast')
      assert.equal(message.id, ack.id)
      assert.equal(await exited, 0, stderr)
    } finally {
      if (proc.exitCode == null) proc.kill('SIGKILL')
    }
  })

  it('delivers messages published the moment a subscriber is ready, exactly once', async () => {
    for (let round = 0; round < 5; round++) {
      const topic = `fresh-${round}-${Date.now()}`
      const sub = c.client.subscribe(topic)
      const got = collect(sub)
      await sub.ready
      // No wait at all: gossipsub on A has not heard of C's subscription yet.
      const sent = Date.now()
      const ack = await a.client.publish(topic, { round })
      await waitFor(() => got.length >= 1, {
        timeoutMs: 2000,
        intervalMs: 10,
        message: `round ${round} delivery`
      })
      assert.ok(Date.now() - sent <= 2000)
      assert.equal(at(got, 0).id, ack.id)
      assert.deepEqual(at(got, 0).payload, { round })
      // Gossip and replay may both carry it; the subscriber must see it once.
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal(got.length, 1, 'delivered at most once')
      sub.unsubscribe()
    }
  })

  it('reaches every subscribed node and local subscribers, not unsubscribed ones', async () => {
    const topic = `all-${Date.now()}`
    const subs = [a, c].map((d) => d.client.subscribe(topic))
    const got = subs.map(collect)
    await Promise.all(subs.map(async (s) => await s.ready))
    const ack = await b.client.publish(topic, 'hello', { type: 'greeting', correlationId: 'corr-1' })
    await waitFor(() => got.every((g) => g.length === 1), { timeoutMs: 2000, message: 'both subscribers' })
    for (const g of got) {
      assert.equal(at(g, 0).type, 'greeting')
      assert.equal(at(g, 0).correlationId, 'corr-1')
      assert.equal(at(g, 0).from.node, b.peerId)
    }
    assert.equal(ack.localSubscribers, 0)
    const local = a.client.subscribe(topic)
    const localGot = collect(local)
    await local.ready
    const own = await a.client.publish(topic, 'self')
    assert.equal(own.localSubscribers, 2)
    await waitFor(() => localGot.some((m) => m.id === own.id), { timeoutMs: 2000, message: 'local delivery' })
    for (const s of [...subs, local]) s.unsubscribe()
  })

  it('replays recent messages with --since', async () => {
    const topic = `history-${Date.now()}`
    const first = await a.client.publish(topic, 1)
    const second = await b.client.publish(topic, 2)
    const res = await c.cli(['subscribe', topic, '--since', '60000', '--count', '2', '--json'], {
      timeoutMs: 15_000
    })
    assert.equal(res.code, 0, res.stderr)
    const ids = res.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as TopicMessage).id)
      .sort()
    assert.deepEqual(ids, [first.id, second.id].sort())
  })

  it('refuses a publish to an internal topic', async () => {
    const res = await a.cli(['publish', 'agent-mesh/state/1', '--data', '{"forged":true}'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /internal to the mesh and cannot be used/)
    await assert.rejects(
      a.client.publish('_private', 1),
      (err: Error & { code?: string; status?: number }) => {
        assert.equal(err.code, 'internal_topic')
        assert.equal(err.status, 403)
        return true
      }
    )
    await assert.rejects(a.client.publish('bad topic!', 1), { code: 'bad_topic' })
  })

  it('refuses an oversized message with its size and the limit', async () => {
    const res = await a.cli(['publish', 'news', '--data', JSON.stringify('x'.repeat(70_000))])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /message is \d+ bytes encoded, over the limit of 65536/)
    // The daemon keeps running and publishing.
    assert.ok((await a.client.publish('news', 'still here')).id)
  })

  it('refuses bad input to the API with what to fix', async () => {
    await assert.rejects(
      a.client.request('POST', '/v1/topics/news/messages', { data: 1 }),
      /\{"payload": \.\.\.\}/
    )
    await assert.rejects(a.client.request('GET', '/v1/topics/news/stream?since=-1'), /since must be/)
    const file = join(c.dataDir, 'payload.json')
    writeFileSync(file, '{"from":"file"}')
    const ok = await c.cli(['publish', 'news', '--data', `@${file}`, '--json'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal((JSON.parse(ok.stdout) as { topic: string }).topic, 'news')
    const bad = await c.cli(['publish', 'news', '--data', '{oops'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /--data is not valid JSON/)
  })
})
