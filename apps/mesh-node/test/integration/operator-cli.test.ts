import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { execAgent } from '../helpers/agents.js'
import {
  BIN,
  runCli,
  startTestDaemon,
  stopAll,
  type TestDaemon,
  tmpDataDir,
  uniqueTag
} from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

/** Runs the CLI with `stdin` piped in, or with a handle to signal it mid-run. */
function spawnCli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  proc.stdin.end(options.stdin ?? '')
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('close', (code) => resolve({ code, stdout, stderr }))
  )
  return { proc, done, stderr: () => stderr }
}

describe('the operator CLI', { timeout: 300_000 }, () => {
  let origin: TestDaemon
  let worker: TestDaemon
  let gate: string

  before(async () => {
    const tag = uniqueTag()
    const dir = tmpDataDir()
    gate = join(dir, 'slow-gate')
    // The slow agent answers once the test opens its gate (a file): a task that must still be running when the
    // CLI gets Ctrl-C cannot finish first on a slow machine.
    const slow = execAgent(
      dir,
      'slow',
      `  const { existsSync } = await import('node:fs')
  const open = setInterval(() => {
    if (!existsSync(${JSON.stringify(gate)})) return
    clearInterval(open)
    process.stdout.write(JSON.stringify(req.input))
  }, 20)`
    )
    ;[origin, worker] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({
        tag,
        config: {
          agents: [
            { name: 'echo', capabilities: ['echo'], capacity: 4, handler: { kind: 'builtin', name: 'echo' } },
            {
              name: 'slow',
              capabilities: ['slow'],
              capacity: 1,
              handler: { kind: 'exec', command: slow, timeoutMs: 60_000 }
            }
          ]
        }
      })
    ])
    await waitFor(async () => (await origin.client.agents()).length === 2, {
      message: 'the origin to learn both agents'
    })
  })

  after(async () => {
    await stopAll([origin, worker])
  })

  it('takes durations as 500ms, 5s, 2m or plain milliseconds, and names the forms on a bad one', async () => {
    for (const timeout of ['5s', '5000']) {
      const res = await origin.cli([
        'submit',
        '--capability',
        'echo',
        '--input',
        '1',
        '--timeout',
        timeout,
        '--json'
      ])
      assert.equal(res.code, 0, `${timeout}: ${res.stderr}`)
    }
    const bad = await origin.cli(['submit', '--capability', 'echo', '--timeout', '5x'])
    assert.equal(bad.code, 1)
    assert.match(
      bad.stderr,
      /--timeout must be a duration from 1ms to 10m, e\.g\. 500ms, 5s or 2m .*got "5x"/
    )
    const tooLong = await origin.cli(['auction', '--capability', 'echo', '--deadline', '2m'])
    assert.match(tooLong.stderr, /--deadline must be a duration from 1ms to 1m/)
  })

  it('reads --input from stdin (-) and from a file (@FILE)', async () => {
    const piped = spawnCli(
      ['submit', '--capability', 'echo', '--input', '-', '--json', '--data-dir', origin.dataDir],
      {
        stdin: '{"from": "stdin"}'
      }
    )
    const fromStdin = await piped.done
    assert.equal(fromStdin.code, 0, fromStdin.stderr)
    assert.deepEqual(JSON.parse(fromStdin.stdout).result, { from: 'stdin' })

    const file = join(tmpDataDir(), 'input.json')
    writeFileSync(file, '{"from": "file"}')
    const fromFile = await origin.cli(['submit', '--capability', 'echo', '--input', `@${file}`, '--json'])
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.deepEqual(JSON.parse(fromFile.stdout).result, { from: 'file' })

    const missing = await origin.cli(['submit', '--capability', 'echo', '--input', '@/no/such/file.json'])
    assert.match(
      missing.stderr,
      /--input @\/no\/such\/file\.json: cannot read \/no\/such\/file\.json \(no such file\)/
    )
    writeFileSync(file, '{broken')
    const broken = await origin.cli(['submit', '--capability', 'echo', '--input', `@${file}`])
    assert.match(broken.stderr, /is not valid JSON/)
  })

  it('prints the task id at once, and --follow shows each attempt', async () => {
    const res = await origin.cli(['submit', '--capability', 'echo', '--input', '"hi"', '--follow'])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout, 'hi\n')
    const id = /^task ([0-9a-f-]{36})$/m.exec(res.stderr)?.[1]
    assert.ok(id != null, `the task id on stderr: ${res.stderr}`)
    assert.ok(res.stderr.indexOf(`task ${id}`) < res.stderr.indexOf('attempt 1'), 'the id comes first')
    assert.match(res.stderr, /attempt 1 {2}12D3…\w{6}( echo)? {2}completed/)
    // The daemon logs the finish at info, with the task id; and the peer that joined.
    await waitFor(
      () => origin.output().includes(`"taskId":"${id}"`) && /"msg":"task completed"/.test(origin.output()),
      {
        message: 'the task-completed log line'
      }
    )
    assert.match(origin.output(), new RegExp(`"remotePeer":"${worker.peerId}"[^\n]*"msg":"peer joined"`))
  })

  it('on Ctrl-C says the task goes on and how to cancel it, and the task does go on', async () => {
    const run = spawnCli([
      'submit',
      '--capability',
      'slow',
      '--input',
      '"patience"',
      '--data-dir',
      origin.dataDir
    ])
    const id = await waitFor(() => /^task ([0-9a-f-]{36})$/m.exec(run.stderr())?.[1], {
      message: 'the task id'
    })
    run.proc.kill('SIGINT')
    const res = await run.done
    assert.equal(res.code, 130)
    assert.match(res.stderr, new RegExp(`task ${id} goes on in the mesh`))
    assert.match(res.stderr, new RegExp(`cancel it: mesh-node cancel ${id}`))
    const during = (await origin.client.task(id)).status
    assert.ok(['assigned', 'running'].includes(during), `the task is still under way after Ctrl-C: ${during}`)
    writeFileSync(gate, '')
    await waitFor(async () => (await origin.client.task(id)).status === 'completed', {
      message: 'the task to finish anyway'
    })
  })

  it('accepts a unique task id prefix wherever an id goes, and says when it is too short', async () => {
    const { taskId } = await origin.client.submitNoWait({ capability: 'echo', input: 'p' })
    const shown = await origin.cli(['task', taskId.slice(0, 8), '--json'])
    assert.equal(shown.code, 0, shown.stderr)
    assert.equal(JSON.parse(shown.stdout).taskId, taskId)
    const list = await origin.cli(['tasks'])
    assert.match(
      list.stdout,
      new RegExp(`^${taskId.slice(0, 8)}\\s`, 'm'),
      'tables show the 8-character prefix'
    )
    assert.ok(!list.stdout.includes(taskId), 'and not the whole id')
    assert.ok((await origin.cli(['tasks', '--no-trunc'])).stdout.includes(taskId))
    const short = await origin.cli(['task', taskId.slice(0, 2)])
    assert.match(short.stderr, /too short: give at least 4 characters/)
  })

  it('shortens peer ids in tables unless --no-trunc', async () => {
    const table = await origin.cli(['agents'])
    assert.ok(!table.stdout.includes(worker.peerId))
    assert.ok(table.stdout.includes(`${worker.peerId.slice(0, 4)}…${worker.peerId.slice(-6)}`))
    assert.ok((await origin.cli(['agents', '--no-trunc'])).stdout.includes(worker.peerId))
  })

  it('checks events --types, and names the valid types in --help', async () => {
    const bad = await origin.cli(['events', '--types', 'task,agent_jioned'])
    assert.equal(bad.code, 1)
    assert.match(
      bad.stderr,
      /unknown event type\(s\) agent_jioned; valid types: task, agent_joined, agent_left/
    )
    const help = await runCli(['events', '--help'])
    assert.match(help.stdout, /valid: task,\s+agent_joined,\s+agent_left/)
    const api = await fetch(`${origin.url}/v1/events?types=nope`, {
      headers: { authorization: `Bearer ${readFileSync(join(origin.dataDir, 'api.token'), 'utf8').trim()}` }
    })
    assert.equal(api.status, 400)
    assert.match(
      ((await api.json()) as { error: string }).error,
      /types: unknown event type\(s\) nope; valid types: task/
    )
  })

  it('reaches a daemon by --api or MESH_NODE_API with MESH_NODE_TOKEN, without its data dir', async () => {
    const token = readFileSync(join(origin.dataDir, 'api.token'), 'utf8').trim()
    const elsewhere = { HOME: tmpDataDir(), MESH_NODE_HOME: join(tmpDataDir(), 'none') }
    const byFlag = await runCli(['id', '--json', '--api', origin.url], {
      env: { ...elsewhere, MESH_NODE_TOKEN: token }
    })
    assert.equal(byFlag.code, 0, byFlag.stderr)
    assert.equal(JSON.parse(byFlag.stdout).peerId, origin.peerId)
    const byEnv = await runCli(['status', '--json'], {
      env: { ...elsewhere, MESH_NODE_API: origin.url, MESH_NODE_TOKEN: token }
    })
    assert.equal(byEnv.code, 0, byEnv.stderr)
    assert.equal(JSON.parse(byEnv.stdout).peerId, origin.peerId)
    const noToken = await runCli(['id', '--api', origin.url], { env: { ...elsewhere, MESH_NODE_TOKEN: '' } })
    assert.match(noToken.stderr, /set MESH_NODE_TOKEN to the token of the daemon at http/)
    const badUrl = await runCli(['id', '--api', 'localhost:4201'], {
      env: { ...elsewhere, MESH_NODE_TOKEN: token }
    })
    assert.match(badUrl.stderr, /must be a URL like http:\/\/127\.0\.0\.1:4201/)
    const wrong = await runCli(['id', '--api', origin.url], {
      env: { ...elsewhere, MESH_NODE_TOKEN: 'nope' }
    })
    assert.match(wrong.stderr, /unauthorized|bearer token/)
  })
})
