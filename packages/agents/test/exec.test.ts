import assert from 'node:assert/strict'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  watch,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createHandler, type ExecHandlerSpec, HandlerError } from '../src/index.js'
import { becomesGone, ctx, isGone, task, vote } from './helpers.js'

const node = process.execPath

const scripts: Record<string, string> = {
  'reply.mjs': `
    let raw = ''
    process.stdin.setEncoding('utf8')
    for await (const chunk of process.stdin) raw += chunk
    const request = JSON.parse(raw)
    console.log(JSON.stringify({ type: request.type, input: request.input, agent: process.env.MESH_AGENT, newline: raw.endsWith('\\n') }))
  `,
  'fail.mjs': `
    process.stderr.write('x'.repeat(6000) + '\\nboom-end\\n')
    process.exit(3)
  `,
  'garbage.mjs': `console.log('this is not json {')`,
  'env-cwd.mjs': `console.log(JSON.stringify({ foo: process.env.FOO, cwd: process.cwd(), hasPath: Boolean(process.env.PATH) }))`,
  'flood.mjs': `process.stdout.write('x'.repeat(17 * 1024 * 1024))`,
  // Starts a grandchild that shares our stdout, records its pid, then hangs.
  'grandchild.mjs': `
    import { spawn } from 'node:child_process'
    import { writeFileSync } from 'node:fs'
    const child = spawn('/bin/sh', ['-c', 'sleep 30; echo never'], { stdio: ['ignore', 'inherit', 'inherit'] })
    writeFileSync(process.argv[2], String(child.pid))
    setInterval(() => {}, 1000)
  `
}

/** Resolves once the script has written its grandchild's pid to `file`. */
function waitForPid(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
      if (text === '') return
      watcher.close()
      resolve(Number(text))
    }
    // Watch first, then look: a write between the two still fires an event.
    const watcher = watch(dirname(file), check)
    watcher.on('error', reject)
    check()
  })
}

describe('exec handler', () => {
  let dir: string
  const exec = (spec: Omit<ExecHandlerSpec, 'kind'>) =>
    createHandler({ kind: 'exec', ...spec }, { baseDir: dir })

  before(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'mesh-exec-')))
    mkdirSync(join(dir, 'work'))
    for (const [name, body] of Object.entries(scripts)) writeFileSync(join(dir, name), body)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('writes the request as one JSON line and returns the JSON the program prints', async () => {
    const handler = await exec({ command: [node, 'reply.mjs'] })
    assert.deepEqual(await handler(task({ n: 1 }), ctx(undefined, 'py-agent')), {
      type: 'task_request',
      input: { n: 1 },
      agent: 'py-agent',
      newline: true
    })
    const answer = (await handler(vote(['a', 'b']), ctx())) as { type: string }
    assert.equal(answer.type, 'consensus_vote', 'other request types go through the same contract')
  })

  it('runs a /bin/sh -c one-liner without a shell of its own', async () => {
    const handler = await exec({
      command: ['/bin/sh', '-c', 'read line; printf \'{"wrapped": %s}\' "$line"']
    })
    const result = (await handler(task('hi'), ctx())) as { wrapped: { input: string } }
    assert.equal(result.wrapped.input, 'hi')
  })

  it('reports a non-zero exit with the tail of stderr', async () => {
    const handler = await exec({ command: [node, 'fail.mjs'] })
    await assert.rejects(
      async () => handler(task(null), ctx()),
      (err: unknown) => {
        assert.ok(err instanceof HandlerError)
        assert.equal(err.code, 'handler_failed')
        assert.match(err.message, /exited with code 3: x+\nboom-end$/)
        assert.ok(err.message.length < 4096 + 100, 'only the last 4 KiB of stderr is kept')
        return true
      }
    )
  })

  it('rejects output that is not one JSON value', async () => {
    const handler = await exec({ command: [node, 'garbage.mjs'] })
    await assert.rejects(async () => handler(task(null), ctx()), {
      code: 'handler_invalid_output',
      message: /invalid JSON on stdout .*this is not json \{/
    })
  })

  it('rejects more than 16 MiB of stdout', async () => {
    const handler = await exec({ command: [node, 'flood.mjs'] })
    await assert.rejects(async () => handler(task(null), ctx()), {
      code: 'handler_invalid_output',
      message: /16 MiB/
    })
  })

  it('passes env on top of the daemon environment, and a cwd relative to baseDir', async () => {
    const handler = await exec({ command: [node, '../env-cwd.mjs'], cwd: 'work', env: { FOO: 'bar' } })
    assert.deepEqual(await handler(task(null), ctx()), { foo: 'bar', cwd: join(dir, 'work'), hasPath: true })
  })

  it('names a command that does not exist', async () => {
    const handler = await exec({ command: ['mesh-no-such-command-xyz', '--flag'] })
    await assert.rejects(async () => handler(task(null), ctx()), {
      code: 'handler_failed',
      message: /"mesh-no-such-command-xyz".*not found/
    })
  })

  it('survives a program that exits without reading a large stdin (EPIPE)', async () => {
    const handler = await exec({ command: ['/bin/sh', '-c', 'echo \'{"early": true}\''] })
    assert.deepEqual(await handler(task('y'.repeat(4 * 1024 * 1024)), ctx()), { early: true })
  })

  it('on timeout kills the whole process group, grandchildren included', async () => {
    const pidFile = join(dir, 'grandchild.pid')
    const handler = await exec({ command: [node, 'grandchild.mjs', pidFile], timeoutMs: 1500 })
    const started = Date.now()
    await assert.rejects(async () => handler(task(null), ctx()), {
      code: 'handler_timeout',
      message: /timed out after 1500 ms.*process group was killed/
    })
    assert.ok(Date.now() - started < 10_000)
    const grandchild = Number(readFileSync(pidFile, 'utf8'))
    assert.ok(grandchild > 0)
    assert.equal(await becomesGone(grandchild), true, `grandchild ${grandchild} should be dead`)
  })

  it('on abort kills the process group and rejects with the abort reason', async () => {
    const pidFile = join(dir, 'aborted.pid')
    const controller = new AbortController()
    const handler = await exec({ command: [node, 'grandchild.mjs', pidFile] })
    const running = Promise.resolve(handler(task(null), ctx(controller.signal)))
    const grandchild = await waitForPid(pidFile)
    assert.equal(isGone(grandchild), false)
    const reason = new Error('stop')
    controller.abort(reason)
    await assert.rejects(running, (err) => err === reason)
    assert.equal(await becomesGone(grandchild), true, `grandchild ${grandchild} should be dead`)
  })

  it('kills what a program left running in its group once it exits', async () => {
    const handler = await exec({ command: ['/bin/sh', '-c', 'sleep 30 & echo "{\\"bg\\": $!}"'] })
    const started = Date.now()
    const { bg } = (await handler(task(null), ctx())) as { bg: number }
    assert.ok(Date.now() - started < 10_000, 'a background process holding stdout must not delay the answer')
    assert.equal(await becomesGone(bg), true)
  })
})
