import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { uniqueTag } from './daemon.js'
import { waitFor } from './wait.js'

/**
 * Drives an installed `mesh-node` (the npm package, or the single executable)
 * as a user would: from a directory outside the repository, with a HOME of
 * its own and no MESH_NODE_HOME, so the default data dir is the one used.
 */
export interface Installed {
  run(args: string[], timeoutMs?: number): { code: number; stdout: string; stderr: string }
  /** start, id, the dashboard's page, submit (to a builtin echo agent) and stop; asserts each. */
  startIdSubmitStop(): Promise<void>
}

export function installed(bin: string, work: string, env: NodeJS.ProcessEnv): Installed {
  const home = join(work, 'home')
  mkdirSync(home, { recursive: true })
  const fullEnv = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...env, HOME: home }
    delete e.MESH_NODE_HOME
    return e
  }
  const run: Installed['run'] = (args, timeoutMs = 60_000) => {
    const res = spawnSync(bin, args, { cwd: work, env: fullEnv(), encoding: 'utf8', timeout: timeoutMs })
    return { code: res.status ?? 1, stdout: res.stdout, stderr: res.stderr }
  }

  const startIdSubmitStop = async (): Promise<void> => {
    const config = join(work, 'config.json')
    writeFileSync(
      config,
      JSON.stringify({
        agents: [{ name: 'echo', capabilities: ['echo'], handler: { kind: 'builtin', name: 'echo' } }]
      })
    )
    const args = ['start', '--config', config, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0']
    const daemon = spawn(bin, [...args, '--mdns-tag', uniqueTag()], {
      cwd: work,
      env: fullEnv(),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    daemon.stdout.on('data', (d: Buffer) => (output += d.toString()))
    daemon.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((resolve) => daemon.on('exit', (code) => resolve(code)))
    try {
      const id = await waitFor(
        () => {
          assert.equal(daemon.exitCode, null, `daemon exited:\n${output}`)
          const res = run(['id', '--json'], 10_000)
          return res.code === 0 ? (JSON.parse(res.stdout) as { peerId: string }) : undefined
        },
        { timeoutMs: 30_000, message: () => `the installed daemon to answer id\n${output}` }
      )
      assert.match(id.peerId, /^12D3KooW/)
      // No --data-dir was given: the default one under HOME is in use.
      assert.ok(readdirSync(join(home, '.mesh-node')).includes('api.token'))

      await dashboardServes(run)

      const submit = run(['submit', '--capability', 'echo', '--input', '"installed"', '--json'])
      assert.equal(submit.code, 0, `${submit.stderr}\n${output}`)
      assert.equal((JSON.parse(submit.stdout) as { result: unknown }).result, 'installed')

      const stop = run(['stop'])
      assert.equal(stop.code, 0, stop.stderr)
      assert.equal(await exited, 0, output)
    } finally {
      if (daemon.exitCode == null && daemon.signalCode == null) daemon.kill('SIGKILL')
    }
  }

  return { run, startIdSubmitStop }
}

/** The dashboard's page and an asset, through a login link, as a browser would fetch them. */
async function dashboardServes(run: Installed['run']): Promise<void> {
  const link = run(['dashboard', '--json'])
  assert.equal(link.code, 0, link.stderr)
  const { url } = JSON.parse(link.stdout) as { url: string }
  const login = await fetch(url, { redirect: 'manual' })
  assert.equal(login.status, 303)
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]
  const base = new URL('/ui/', url)
  const page = await fetch(base, { headers: { cookie } })
  assert.equal(page.status, 200, 'GET /ui/')
  assert.match(await page.text(), /<script[^>]+app\.js/)
  const app = await fetch(new URL('app.js', base), { headers: { cookie } })
  assert.equal(app.status, 200, 'GET /ui/app.js')
  assert.match(app.headers.get('content-type') ?? '', /javascript/)
  assert.match(await app.text(), /EventSource/)
}
