import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { execAgent } from '../helpers/agents.js'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const INPUT = {
  type: 'object',
  properties: { text: { type: 'string' }, times: { type: 'integer', minimum: 1 } },
  required: ['text']
}
const OUTPUT = { type: 'object', properties: { upper: { type: 'string' } }, required: ['upper'] }

describe('typed capabilities across two daemons', { timeout: 300_000 }, () => {
  let a: TestDaemon
  let b: TestDaemon

  before(async () => {
    const dir = tmpDataDir('typed-agents-')
    // 'text.shout' keeps to its outputSchema; 'text.liar' returns a number for `upper` and breaks it.
    const shout = execAgent(
      dir,
      'shout',
      `  const upper = String(req.input.text).toUpperCase()\n  process.stdout.write(JSON.stringify(req.capability === 'text.liar' ? { upper: 42 } : { upper }))`
    )
    const tag = uniqueTag()
    ;[a, b] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({
        tag,
        config: {
          agents: [
            {
              name: 'shouter',
              capabilities: [
                {
                  name: 'text.shout',
                  description: 'upper-cases text',
                  inputSchema: INPUT,
                  outputSchema: OUTPUT
                },
                { name: 'text.liar', inputSchema: INPUT, outputSchema: OUTPUT }
              ],
              handler: { kind: 'exec', command: shout }
            }
          ]
        }
      })
    ])
    await waitFor(async () => (await a.client.agents({ capability: 'text.shout' }))[0]?.schemas, {
      timeoutMs: 30_000,
      message: "node A to learn B's typed agent"
    })
  })
  after(async () => await stopAll([a, b]))

  it('refuses bad input at the origin, naming the field, and nothing reaches B', async () => {
    const res = await a.cli(['submit', '--capability', 'text.shout', '--input', '{"text": 5}'])
    assert.equal(res.code, 1, res.stdout + res.stderr)
    assert.match(res.stderr, /input\.text: must be string/)
    const missing = await a.cli(['submit', '--capability', 'text.shout', '--input', '{"times": 2}'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /input\.text: is required/)
    // Through the API: a 400 with the code, and the task was never accepted.
    await assert.rejects(
      a.client.submit({ capability: 'text.shout', input: { text: 'x', times: 0 } }),
      (err: Error) => {
        assert.match(err.message, /input\.times: must be >= 1/)
        assert.equal((err as { status?: number }).status, 400)
        return true
      }
    )
    assert.equal((await a.client.tasks()).length, 0, 'a refused task is not journaled')
    assert.equal((await b.client.tasks()).length, 0, 'no task reached B')
  })

  it('runs good input', async () => {
    const done = await a.client.submit({ capability: 'text.shout', input: { text: 'mesh' } })
    assert.equal(done.status, 'completed', JSON.stringify(done))
    assert.deepEqual(done.result, { upper: 'MESH' })
    assert.equal(done.executor, b.peerId)
  })

  it('fails a task whose result breaks the outputSchema, at the executor', async () => {
    const done = await a.client.submit({ capability: 'text.liar', input: { text: 'mesh' } })
    assert.equal(done.status, 'failed')
    assert.equal(done.error?.code, 'invalid_output')
    assert.match(done.error?.message ?? '', /result\.upper: must be string/)
  })

  it("shows B's schemas on A with agents --schema, in text and JSON", async () => {
    const text = await a.cli(['agents', '--schema'])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /text\.shout {2}\(agent shouter on /)
    assert.match(text.stdout, /description: upper-cases text/)
    assert.ok(text.stdout.includes(`input:  ${JSON.stringify(INPUT)}`), text.stdout)
    const json = await a.cli(['agents', '--schema', '--json'])
    const [agent] = JSON.parse(json.stdout) as Array<{ peerId: string; schemas: Record<string, unknown> }>
    assert.equal(agent?.peerId, b.peerId)
    assert.deepEqual(agent?.schemas['text.shout'], {
      description: 'upper-cases text',
      inputSchema: INPUT,
      outputSchema: OUTPUT
    })
  })
})
