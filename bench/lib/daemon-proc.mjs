// Real, separate mesh-node daemon processes (the CLI's `start`), for what is
// measured across processes: the RPC executor, kill -9, memory.
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sleep, spawnTracked, stopChild, waitFor, withTimeout } from './util.mjs'

const BIN = fileURLToPath(new URL('../../apps/mesh-node/dist/src/bin.js', import.meta.url))

export const echoAgent = (name = 'echo', capabilities = ['echo'], capacity = 256) => ({
  name,
  capabilities,
  capacity,
  handler: { kind: 'builtin', name: 'echo' }
})

export const slowAgent = (name = 'worker', capabilities = ['work'], capacity = 8) => ({
  name,
  capabilities,
  capacity,
  handler: { kind: 'builtin', name: 'slow' }
})

/**
 * Starts `mesh-node start` in its own process; resolves once DATA_DIR/api exists.
 * `cpuProfDir` adds `--cpu-prof` (written when the daemon exits normally).
 */
export async function startDaemonProcess({ root, name, tag, agents, config = {}, cpuProfDir }) {
  const dataDir = join(root, name)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ ...config, agents }))
  // A daemon killed with -9 leaves its api file behind: readiness means a new one.
  const apiFile = join(dataDir, 'api')
  rmSync(apiFile, { force: true })
  const nodeArgs = cpuProfDir != null ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []
  const child = spawnTracked(
    process.execPath,
    [
      ...nodeArgs,
      BIN,
      'start',
      '--data-dir',
      dataDir,
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--api',
      '127.0.0.1:0',
      '--mdns-tag',
      tag,
      '--log-level',
      process.env.BENCH_DAEMON_LOGS ? 'info' : 'silent'
    ],
    // BENCH_DAEMON_LOGS=1 keeps each daemon's log in its data dir (daemon.log, appended across restarts).
    {
      stdio: [
        'ignore',
        process.env.BENCH_DAEMON_LOGS ? openSync(join(dataDir, 'daemon.log'), 'a') : 'ignore',
        'pipe'
      ]
    }
  )
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  try {
    await waitFor(
      () => {
        if (child.exitCode != null) throw new Error(`daemon ${name} exited (${child.exitCode}): ${stderr}`)
        return existsSync(apiFile)
      },
      { timeoutMs: 90_000, intervalMs: 25, what: `daemon ${name} to be ready` }
    )
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  const apiUrl = readFileSync(apiFile, 'utf8').trim()
  const token = readFileSync(join(dataDir, 'api.token'), 'utf8').trim()
  const lockPid = Number(readFileSync(join(dataDir, 'daemon.lock'), 'utf8').trim())
  if (lockPid !== child.pid) throw new Error(`daemon ${name}: lock pid ${lockPid} is not ours (${child.pid})`)
  const api = apiClient(apiUrl, token)
  const { peerId } = await api.get('/v1/id')
  return {
    name,
    dataDir,
    child,
    pid: child.pid,
    peerId,
    apiUrl,
    token,
    api,
    stderr: () => stderr,
    kill9: () => child.kill('SIGKILL'),
    stop: async () => await stopChild(child, 8000)
  }
}

export function apiClient(apiUrl, token) {
  const call = async (method, path, body, timeoutMs = 10_000) => {
    const res = await fetch(apiUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {})
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs)
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`)
    return text === '' ? null : JSON.parse(text)
  }
  return {
    get: (path, timeoutMs) => call('GET', path, undefined, timeoutMs),
    post: (path, body, timeoutMs) => call('POST', path, body, timeoutMs),
    /**
     * Subscribes to GET /v1/events (SSE). Returns { events, close }: `events`
     * fills with the parsed events (each carries the daemon's own `at`).
     */
    events: async (types) => {
      const controller = new AbortController()
      const events = []
      const res = await fetch(`${apiUrl}/v1/events${types != null ? `?types=${types.join(',')}` : ''}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal
      })
      if (!res.ok) throw new Error(`GET /v1/events: ${res.status}`)
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      const pump = (async () => {
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += decoder.decode(value, { stream: true })
          let cut = buffer.indexOf('\n\n')
          while (cut >= 0) {
            const frame = buffer.slice(0, cut)
            buffer = buffer.slice(cut + 2)
            for (const line of frame.split('\n')) {
              if (line.startsWith('data: ')) {
                try {
                  events.push(JSON.parse(line.slice(6)))
                } catch {
                  /* not ours to judge here */
                }
              }
            }
            cut = buffer.indexOf('\n\n')
          }
        }
      })().catch(() => {})
      return {
        events,
        close: async () => {
          controller.abort()
          await withTimeout(pump, 2000, 'event stream close').catch(() => {})
        }
      }
    }
  }
}

/** Stops several daemons at once, bounded. */
export async function stopAll(daemons) {
  await Promise.all(daemons.filter((d) => d != null).map((d) => d.stop().catch(() => {})))
  await sleep(0)
}
