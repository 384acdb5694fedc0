import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const echo = { name: 'e', capabilities: ['warm.echo'], handler: { kind: 'builtin', name: 'echo' } }

describe('tasks submitted right after a start', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('a submit in the first second after a restart waits for discovery and completes', async () => {
    const tag = uniqueTag()
    const executor = await startTestDaemon({ tag, config: { agents: [echo] } })
    let origin = await startTestDaemon({ tag })
    daemons.push(executor, origin)
    await waitFor(async () => (await origin.client.agents({ capability: 'warm.echo' })).length > 0, {
      message: 'the origin to know the agent'
    })
    await origin.stop()
    origin = await startTestDaemon({ tag, dataDir: origin.dataDir })
    daemons.push(origin)
    const { startedAt } = await origin.client.status()
    const submitted = Date.now()
    const res = await origin.client.submit({ capability: 'warm.echo', input: 'early', timeoutMs: 20_000 })
    assert.equal(res.status, 'completed', JSON.stringify(res.error))
    assert.equal(res.result, 'early')
    process.stderr.write(
      `submitted ${submitted - startedAt} ms after the start; done ${Date.now() - submitted} ms later\n`
    )
  })

  it('a node that has heard of no one waits (within the deadline), then says what it knows and suggests --queue', async () => {
    const lone = await startTestDaemon()
    daemons.push(lone)
    const started = Date.now()
    const res = await lone.cli([
      'submit',
      '--capability',
      'nobody.has.it',
      '--input',
      '1',
      '--timeout',
      '3000'
    ])
    assert.equal(res.code, 1)
    assert.ok(Date.now() - started >= 2500, `waited ${Date.now() - started} ms for discovery`)
    assert.match(
      res.stderr,
      /no_agent: no agent can handle: nobody\.has\.it \(this node knows 0 peers and 0 agents, none with nobody\.has\.it\); to wait for one to join, submit with --queue/
    )
  })

  it('once the mesh is known, an unknown capability fails at once, naming the peers and agents known', async () => {
    const tag = uniqueTag()
    const a = await startTestDaemon({ tag, config: { agents: [echo] } })
    const b = await startTestDaemon({ tag })
    daemons.push(a, b)
    await waitFor(async () => (await b.client.agents({ capability: 'warm.echo' })).length > 0, {
      message: 'b to know the agent'
    })
    const started = Date.now()
    const res = await b.client.submit({ capability: 'nobody.has.it', input: 1, timeoutMs: 20_000 })
    assert.equal(res.status, 'failed')
    assert.ok(
      Date.now() - started < 5000,
      `no warm-up wait once a remote agent is known (${Date.now() - started} ms)`
    )
    assert.equal(res.error?.code, 'no_agent')
    assert.match(res.error?.message ?? '', /this node knows 1 peer and 1 agent, none with nobody\.has\.it/)
  })
})
