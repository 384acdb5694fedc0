import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { AgentInfo, MemberInfo, PeerInfo, StatusInfo } from '@mesh-node/client'
import { EVENT_TYPES } from '@mesh-node/daemon'
import {
  runCli,
  startTestDaemon,
  stopAll,
  type TestDaemon,
  tmpDataDir,
  uniqueTag
} from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

interface MeshView {
  self: string
  nodes: Array<{ peerId: string; name?: string; state: string; connections?: string[] }>
}

const short = (id: string): string => `${id.slice(0, 4)}…${id.slice(-6)}`

describe('node names', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  let alpha: TestDaemon
  let beta1: TestDaemon
  let beta2: TestDaemon

  before(async () => {
    const tag = uniqueTag()
    const echo = (name: string) => ({
      agents: [{ name, capabilities: ['echo'], capacity: 1, handler: { kind: 'builtin', name: 'echo' } }]
    })
    // Two peers claim the same name: names are labels, so both must stay apart by id.
    const started = await Promise.all([
      startTestDaemon({ tag, args: ['--name', 'alpha'] }),
      startTestDaemon({ tag, args: ['--name', 'beta'], config: echo('echo-1') }),
      startTestDaemon({ tag, config: { ...echo('echo-2'), name: 'beta' } })
    ])
    daemons.push(...started)
    ;[alpha, beta1, beta2] = started
    await waitFor(
      async () => {
        const agents = await alpha.client.agents({ capability: 'echo' })
        return agents.length === 2 && agents.every((a) => (a as AgentInfo).name === 'beta')
      },
      { timeoutMs: 30_000, message: 'alpha to learn both named echo agents' }
    )
  })

  after(async () => {
    await stopAll(daemons)
  })

  it('id and status carry the name, from the flag or the config file', async () => {
    const id = JSON.parse((await alpha.cli(['id', '--json'])).stdout) as { name: string; peerId: string }
    assert.equal(id.name, 'alpha')
    assert.match((await alpha.cli(['id'])).stdout, /^name\s+alpha$/m)
    const status = JSON.parse((await beta2.cli(['status', '--json'])).stdout) as StatusInfo
    assert.equal(status.name, 'beta', 'the config file name')
  })

  it('peers, agents and status show names beside short ids, --json carries both', async () => {
    const peers = JSON.parse((await alpha.cli(['peers', '--json'])).stdout) as PeerInfo[]
    for (const b of [beta1, beta2]) {
      const p = peers.find((x) => x.peerId === b.peerId)
      assert.equal(p?.name, 'beta', `peer ${b.peerId} by name`)
    }
    const table = (await alpha.cli(['peers'])).stdout
    assert.match(table, /^NAME\s+PEER ID\s+ADDRESSES/)
    for (const b of [beta1, beta2]) assert.match(table, new RegExp(`^beta\\s+${short(b.peerId)}\\s`, 'm'))
    assert.ok((await alpha.cli(['peers', '--no-trunc'])).stdout.includes(beta1.peerId))

    const agents = (await alpha.cli(['agents'])).stdout
    assert.match(agents, /^NODE\s+PEER ID\s+AGENT/)
    assert.match(agents, new RegExp(`^beta\\s+${short(beta2.peerId)}\\s+echo-2`, 'm'))

    await waitFor(
      async () => {
        const s = JSON.parse((await alpha.cli(['status', '--json'])).stdout) as StatusInfo
        return s.members.filter((m: MemberInfo) => m.name === 'beta').length === 2
      },
      { message: 'status members to carry names' }
    )
    assert.match(
      (await alpha.cli(['status'])).stdout,
      new RegExp(`^beta\\s+${short(beta1.peerId)}\\s+alive`, 'm')
    )
  })

  it('tasks show the executor by name and id', async () => {
    const res = await alpha.cli(['submit', '--capability', 'echo', '--input', '"hi"', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const { taskId, executor } = JSON.parse(res.stdout) as { taskId: string; executor: string }
    const task = JSON.parse((await alpha.cli(['task', taskId, '--json'])).stdout) as {
      names: Record<string, string>
    }
    assert.equal(task.names[executor], 'beta')
    assert.equal(task.names[alpha.peerId], 'alpha')
    assert.match(
      (await alpha.cli(['task', taskId])).stdout,
      new RegExp(`^executor\\s+beta \\(${short(executor)}\\)$`, 'm')
    )
    assert.match((await alpha.cli(['tasks'])).stdout, new RegExp(`beta \\(${short(executor)}\\)`))
  })

  it('the mesh view names every node and draws the connections between other nodes', async () => {
    const view = await waitFor(
      async () => {
        const v = await getVia(alpha)
        const other = v.nodes.find((n) => n.peerId === beta1.peerId)
        return other?.connections?.includes(beta2.peerId) === true ? v : undefined
      },
      { timeoutMs: 20_000, message: "alpha's view to hold beta1's announced connection to beta2" }
    )
    // The dashboard subscribes to the event types the daemon lists: one source.
    const types = await fetch(`${alpha.url}/v1/events/types`, {
      headers: { authorization: `Bearer ${readFileSync(join(alpha.dataDir, 'api.token'), 'utf8').trim()}` }
    })
    assert.deepEqual(((await types.json()) as { types: string[] }).types, [...EVENT_TYPES])
    const names = Object.fromEntries(view.nodes.map((n) => [n.peerId, n.name]))
    assert.deepEqual(
      [names[alpha.peerId], names[beta1.peerId], names[beta2.peerId]],
      ['alpha', 'beta', 'beta']
    )
  })

  it('refuses a bad name with a message that says what to fix', async () => {
    for (const bad of ['x'.repeat(65), 'bell\u0007', ' padded']) {
      const res = await runCli(['start', '--data-dir', tmpDataDir(), '--name', bad, '--api', '127.0.0.1:0'], {
        timeoutMs: 30_000
      })
      assert.notEqual(res.code, 0)
      assert.match(res.stderr, /name .* must be 1–64 printable characters/)
    }
  })
})

/** GET /v1/mesh with the daemon's own token, as the dashboard's session would. */
async function getVia(d: TestDaemon): Promise<MeshView> {
  const token = readFileSync(join(d.dataDir, 'api.token'), 'utf8').trim()
  const res = await fetch(`${d.url}/v1/mesh`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 200)
  return (await res.json()) as MeshView
}
