// The NATS baseline: Debian's nats-server on a free loopback port, a
// responder child process, and the nats.js client in the bench process.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect } from 'nats'
import { freePort, spawnTracked, stopChild, waitFor, withTimeout } from './util.mjs'

const RESPONDER = fileURLToPath(new URL('./nats-responder.mjs', import.meta.url))

export function findNatsServer() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']
  for (const dir of dirs) {
    if (dir === '') continue
    const candidate = join(dir, 'nats-server')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      /* not here */
    }
  }
  return null
}

/** Finds nats-server; installs Debian's package when missing and running as root. */
export function ensureNatsServer(log) {
  const found = findNatsServer()
  if (found != null) return { bin: found, installed: false }
  if (process.getuid?.() !== 0) return { error: 'nats-server is not installed and the bench is not root' }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const apt = (args) => spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 300_000 })
  log('installing nats-server: apt-get install -y nats-server')
  let res = apt(['install', '-y', '-q', 'nats-server'])
  if (res.status !== 0) {
    log('apt-get install failed; running apt-get update first')
    apt(['update', '-q'])
    res = apt(['install', '-y', '-q', 'nats-server'])
  }
  const bin = findNatsServer()
  if (bin != null) return { bin, installed: true }
  const why = `${res.stderr ?? ''}${res.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' | ')
  return { error: `could not install nats-server: ${why}` }
}

/** Starts nats-server and the responder; returns a connected requester. */
export async function startNats(bin, subject) {
  const port = await freePort()
  const server = spawnTracked(bin, ['-a', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let serverErr = ''
  server.stderr.on('data', (c) => {
    serverErr = (serverErr + c.toString()).slice(-2000)
  })
  const children = [server]
  const close = async (nc) => {
    await nc?.close().catch(() => {})
    for (const c of children.reverse()) {
      c.stdin?.end()
      await stopChild(c, 3000)
    }
  }
  let nc
  try {
    nc = await waitFor(
      async () => {
        if (server.exitCode != null) throw new Error(`nats-server exited: ${serverErr}`)
        try {
          return await connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 1000 })
        } catch {
          return null
        }
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'nats-server to accept connections' }
    )
    const responder = spawnTracked(process.execPath, [RESPONDER, String(port), subject], {
      stdio: ['pipe', 'pipe', 'inherit']
    })
    children.push(responder)
    await withTimeout(
      new Promise((resolve, reject) => {
        responder.stdout.on('data', (c) => c.toString().includes('ready') && resolve())
        responder.once('exit', (code) => reject(new Error(`nats responder exited (${code})`)))
      }),
      15_000,
      'nats responder'
    )
  } catch (err) {
    await close(nc)
    throw err
  }
  return { nc, port, close: () => close(nc) }
}
