import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const CHROMIUM = '/usr/bin/chromium'
// No network beyond loopback, no first-run or sync machinery, nothing from an earlier profile.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

describe('the dashboard in a real browser', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  let origin: TestDaemon
  let worker: TestDaemon
  let third: TestDaemon
  let context: BrowserContext
  let page: Page
  let loginUrl: string

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does it as root)`
    )
    const tag = uniqueTag()
    const echo = {
      name: 'echo',
      capabilities: ['echo'],
      capacity: 2,
      handler: { kind: 'builtin', name: 'echo' }
    }
    // The two workers share a name, so the graph must tell them apart by id.
    ;[origin, worker, third] = await Promise.all([
      startTestDaemon({ tag, args: ['--name', 'origin'] }),
      startTestDaemon({ tag, args: ['--name', 'worker'], config: { agents: [echo] } }),
      startTestDaemon({ tag, args: ['--name', 'worker'], config: { agents: [{ ...echo, name: 'echo-2' }] } })
    ])
    daemons.push(origin, worker, third)
    await waitFor(async () => (await origin.client.agents({ capability: 'echo' })).length === 2, {
      message: 'the origin to learn both echo agents'
    })
    const res = await origin.cli(['dashboard', '--json'])
    assert.equal(res.code, 0, res.stderr)
    loginUrl = (JSON.parse(res.stdout) as { url: string }).url
    context = await chromium.launchPersistentContext(tmpDataDir('mesh-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 1000 }
    })
    page = context.pages()[0] ?? (await context.newPage())
  })

  after(async () => {
    await context?.close()
    await stopAll(daemons)
  })

  it('trades the one-time link for an HttpOnly, SameSite=Strict session and drops the code from the URL', async () => {
    assert.doesNotMatch(loginUrl, /token/)
    const token = readFileSync(join(origin.dataDir, 'api.token'), 'utf8').trim()
    assert.ok(!loginUrl.includes(token), 'the API token is not in the link')
    await page.goto(loginUrl)
    assert.equal(new URL(page.url()).pathname, '/ui/')
    assert.equal(new URL(page.url()).search, '')
    const cookie = (await context.cookies()).find((c) => c.name === 'mesh_ui')
    assert.ok(cookie != null, 'a session cookie is set')
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Strict')

    // The link works once.
    const again = await fetch(loginUrl, { redirect: 'manual' })
    assert.equal(again.status, 403)
    // The session may read, never act.
    const post = await page.evaluate(async () => (await fetch('/v1/shutdown', { method: 'POST' })).status)
    assert.equal(post, 401)
    const read = await page.evaluate(async () => (await fetch('/v1/status')).status)
    assert.equal(read, 200)
    // A browser without the session sees only how to log in.
    assert.equal((await fetch(`${origin.url}/ui/`)).status, 401)
  })

  it('shows the three nodes, their connections and agents', async () => {
    await waitFor(async () => (await page.locator('#graph [data-node]').count()) === 3, {
      timeoutMs: 30_000,
      message: 'three nodes in the graph'
    })
    const states = await page.$$eval('#graph [data-node]', (els) =>
      els.map((e) => e.getAttribute('data-state'))
    )
    assert.deepEqual(states.sort(), ['alive', 'alive', 'self'])
    await waitFor(async () => (await page.locator('#graph .edge').count()) >= 2, {
      timeoutMs: 30_000,
      message: 'the connections in the graph'
    })
    // The workers' own link is known only from their announced state.
    await waitFor(
      async () =>
        (await page
          .locator(`#graph .edge[data-edge="${[worker.peerId, third.peerId].sort().join(' ')}"]`)
          .count()) === 1,
      { timeoutMs: 30_000, message: 'the connection between the two other nodes' }
    )
    const short = (id: string): string => `${id.slice(0, 4)}…${id.slice(-6)}`
    await waitFor(
      async () => {
        const labels = await page.$$eval('#graph [data-node] text', (els) => els.map((e) => e.textContent))
        return ['origin', `worker (${short(worker.peerId)})`, `worker (${short(third.peerId)})`].every((l) =>
          labels.includes(l)
        )
      },
      { timeoutMs: 30_000, message: 'nodes drawn by name, the shared name with its short id' }
    )
    await waitFor(async () => (await page.locator('#agents tr[data-agent]').count()) === 2, {
      timeoutMs: 30_000,
      message: 'both agents in the table'
    })
  })

  it('shows a submitted task with its path, and an auction as it happens', async () => {
    const done = await origin.client.submit({
      capability: 'echo',
      input: 'through the mesh',
      timeoutMs: 10_000
    })
    assert.equal(done.status, 'completed')
    assert.ok(done.path.length >= 2, 'the task went to another node')
    const row = page.locator(`#tasks tr[data-task="${done.taskId}"]`)
    await row.waitFor({ timeout: 30_000 })
    await waitFor(async () => (await row.getAttribute('data-path')) === done.path.join(' '), {
      message: `the row to carry the path ${done.path.join(' ')}`
    })
    assert.match((await row.textContent()) ?? '', /completed/)
    assert.match((await row.textContent()) ?? '', /→/)
    await page.locator('#caps tr[data-capability="echo"]').waitFor({ timeout: 30_000 })
    await waitFor(async () => (await page.locator('#graph .edge.path').count()) >= 1, {
      message: "the task's path drawn on the graph"
    })

    const won = await origin.client.auction({ capability: 'echo', input: 'to the best bidder' })
    assert.equal(won.status, 'completed')
    await page
      .locator('#rounds li', { hasText: /auction for echo: \d+ bids?, won by echo/ })
      .first()
      .waitFor({ timeout: 30_000 })
    assert.ok((await page.locator('#events li').count()) > 0, 'the event feed shows events')
    const shot = process.env.DASHBOARD_SCREENSHOT ?? join(tmpDataDir('mesh-shot-'), 'dashboard.png')
    await page.screenshot({ path: shot, fullPage: true })
    assert.ok(existsSync(shot))
  })
})
