import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { last } from '@mesh-node/test-utils'
import { createHandler, type OpenAiHandlerSpec } from '../src/index.js'
import { bid, brainstorm, critique, ctx, sendJson, serve, type TestServer, task, vote } from './helpers.js'

interface ChatBody {
  model: string
  messages: { role: string; content: string }[]
  temperature?: number
  max_tokens?: number
}

const KEY_ENV = 'MESH_TEST_OPENAI_KEY'
const MISSING_ENV = 'MESH_TEST_OPENAI_KEY_THAT_IS_NOT_SET'

describe('openai handler', () => {
  let server: TestServer
  const requests: { auth: string | undefined; body: ChatBody }[] = []
  // What the fake model says next; each request takes one.
  const replies: string[] = []

  const openai = (extra: Partial<OpenAiHandlerSpec> = {}) =>
    createHandler(
      { kind: 'openai', baseUrl: `${server.url}/v1/`, model: 'gpt-test', apiKeyEnv: KEY_ENV, ...extra },
      { baseDir: process.cwd() }
    )

  before(async () => {
    process.env[KEY_ENV] = 'sk-test'
    delete process.env[MISSING_ENV]
    server = await serve((req, raw, res) => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
        return sendJson(res, 404, { error: req.url })
      if (req.headers.authorization !== 'Bearer sk-test') {
        return sendJson(res, 401, { error: { message: 'invalid api key', type: 'invalid_request_error' } })
      }
      const body = JSON.parse(raw) as ChatBody
      requests.push({ auth: req.headers.authorization, body })
      if (body.model === 'no-content') return sendJson(res, 200, { choices: [] })
      sendJson(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model: `${body.model}-2024`,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: replies.shift() ?? 'ok' },
            finish_reason: 'stop'
          }
        ],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
      })
    })
  })
  after(async () => {
    delete process.env[KEY_ENV]
    await server.close()
  })

  it('sends a task to /chat/completions with model, key, system prompt and parameters', async () => {
    const handler = await openai({ system: 'Be terse.', temperature: 0.2, maxTokens: 64 })
    replies.push('Paris.')
    const result = await handler(task('Capital of France?'), ctx())
    assert.deepEqual(result, {
      content: 'Paris.',
      model: 'gpt-test-2024',
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
    })
    const sent = last(requests)
    assert.equal(sent.auth, 'Bearer sk-test')
    assert.deepEqual(sent.body, {
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Capital of France?' }
      ],
      temperature: 0.2,
      max_tokens: 64,
      // A task asks for the token stream; this server answers with one JSON completion, which works too.
      stream: true,
      stream_options: { include_usage: true }
    })
  })

  it('accepts messages, prompt, text or any JSON as task input', async () => {
    const handler = await openai()
    const messages = [
      { role: 'system', content: 's' },
      { role: 'user', content: 'u' }
    ]
    await handler(task({ messages }), ctx())
    assert.deepEqual(last(requests).body.messages, messages)
    await handler(task({ prompt: 'p' }), ctx())
    assert.deepEqual(last(requests).body.messages, [{ role: 'user', content: 'p' }])
    await handler(task({ text: 't' }), ctx())
    assert.deepEqual(last(requests).body.messages, [{ role: 'user', content: 't' }])
    await handler(task({ n: [1, 2] }), ctx())
    assert.deepEqual(last(requests).body.messages, [{ role: 'user', content: '{"n":[1,2]}' }])
  })

  it('maps a vote reply onto one of the options', async () => {
    const handler = await openai()
    const options = ['Red', 'Dark blue', 'Blue']
    replies.push('Blue')
    assert.deepEqual(await handler(vote(options, 'Best colour?'), ctx()), { choice: 'Blue' })
    const prompt = last(last(requests).body.messages).content
    assert.match(prompt, /Best colour\?/)
    assert.match(prompt, /- Red\n- Dark blue\n- Blue/)
    replies.push('"red".')
    assert.deepEqual(await handler(vote(options), ctx()), { choice: 'Red' })
    replies.push('I would go with dark blue, since it is calmer.')
    assert.deepEqual(
      await handler(vote(options), ctx()),
      { choice: 'Dark blue' },
      'the longest mentioned option wins'
    )
    replies.push('Green')
    assert.deepEqual(await handler(vote(options), ctx()), { choice: 'Green' }, 'no match: the raw reply')
  })

  it('parses critique replies as a JSON array, fenced or not, else as lines', async () => {
    const handler = await openai()
    replies.push('Here you go:\n```json\n["cache results", "batch writes"]\n```')
    assert.deepEqual(await handler(critique(['a', 'b'], 'slow db'), ctx()), {
      ideas: ['cache results', 'batch writes']
    })
    assert.match(last(last(requests).body.messages).content, /slow db[\s\S]*1\. a\n2\. b[\s\S]*JSON array/)
    replies.push('- first idea\n2. second idea\n\n')
    assert.deepEqual(await handler(critique(['a']), ctx()), { ideas: ['first idea', 'second idea'] })
  })

  it('brainstorms with the trimmed reply, and bids without calling the model', async () => {
    const handler = await openai()
    replies.push('  Use a queue.  \n')
    assert.deepEqual(await handler(brainstorm('spiky load'), ctx()), { idea: 'Use a queue.' })
    const before = requests.length
    assert.deepEqual(await handler(bid(0.7), ctx()), { score: 0.7 })
    assert.equal(requests.length, before)
  })

  it('says which environment variable to set when the key is missing', async () => {
    const handler = await openai({ apiKeyEnv: MISSING_ENV })
    const before = requests.length
    await assert.rejects(async () => handler(task('x'), ctx()), {
      code: 'handler_failed',
      message: new RegExp(`environment variable ${MISSING_ENV} is not set`)
    })
    assert.equal(requests.length, before)
  })

  it('reports a 401 with the server message, and a reply without content as invalid output', async () => {
    process.env['MESH_TEST_OPENAI_WRONG'] = 'sk-wrong'
    try {
      const wrongKey = await openai({ apiKeyEnv: 'MESH_TEST_OPENAI_WRONG' })
      await assert.rejects(async () => wrongKey(task('x'), ctx()), {
        code: 'handler_failed',
        message: /HTTP 401: .*invalid api key/
      })
    } finally {
      delete process.env['MESH_TEST_OPENAI_WRONG']
    }
    const empty = await openai({ model: 'no-content' })
    await assert.rejects(async () => empty(task('x'), ctx()), {
      code: 'handler_invalid_output',
      message: /choices\[0\]\.message\.content/
    })
  })
})
