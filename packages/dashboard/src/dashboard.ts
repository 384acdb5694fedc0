import { existsSync, readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Dashboard, DashboardInit } from './index.js'
import { cookieValue, ExpiringSecrets, SESSION_COOKIE } from './sessions.js'

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'graph.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8'
}

/** Same-origin everything, no inline script, no framing, no referrer (the login code must not leak). */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store'
}

const LOGIN_HINT = `<!doctype html><meta charset="utf-8"><title>mesh-node</title>
<p>This dashboard needs a login. Run <code>mesh-node dashboard</code> for a fresh link (each link works once, for a minute).</p>`

export class DefaultDashboard implements Dashboard {
  private readonly logins: ExpiringSecrets
  private readonly sessions: ExpiringSecrets
  private readonly sessionTtlMs: number
  private readonly read: (name: string) => Buffer
  /** Read once: the files are small and do not change while the daemon runs. */
  private readonly cache = new Map<string, Buffer>()

  constructor(init: DashboardInit) {
    this.sessionTtlMs = init.sessionTtlMs ?? 12 * 3_600_000
    this.logins = new ExpiringSecrets(init.loginTtlMs ?? 60_000, init.maxLogins ?? 16)
    this.sessions = new ExpiringSecrets(this.sessionTtlMs, init.maxSessions ?? 32)
    this.read = assetReader(init.assetsDir)
  }

  issueLogin(): { code: string; expiresAt: number } {
    const { secret, expiresAt } = this.logins.issue()
    return { code: secret, expiresAt }
  }

  login(req: IncomingMessage, res: ServerResponse): void {
    const code = new URL(req.url ?? '/', 'http://localhost').searchParams.get('code') ?? ''
    if (code === '' || !this.logins.consume(code)) {
      res.writeHead(403, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS })
      res.end(LOGIN_HINT.replace('needs a login', 'link has expired or was already used'))
      return
    }
    const { secret } = this.sessions.issue()
    res.writeHead(303, {
      location: '/ui/',
      'set-cookie': `${SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.sessionTtlMs / 1000)}`,
      ...SECURITY_HEADERS
    })
    res.end()
  }

  authorize(req: IncomingMessage): boolean {
    const session = cookieValue(req.headers.cookie, SESSION_COOKIE)
    return session != null && session !== '' && this.sessions.valid(session)
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
    if (!this.authorize(req)) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS })
      res.end(LOGIN_HINT)
      return
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const name = path === '/ui/' || path === '/ui' ? 'index.html' : path.slice('/ui/'.length)
    const type = FILES[name]
    if (type == null) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
      res.end(`no such file: ${path}`)
      return
    }
    let body = this.cache.get(name)
    if (body == null) {
      body = this.read(name)
      this.cache.set(name, body)
    }
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...SECURITY_HEADERS })
    res.end(body)
  }
}

interface SeaModule {
  isSea(): boolean
  getAsset(key: string): ArrayBuffer
}

/**
 * Where the page's files come from. A single executable cannot read files
 * beside itself, so scripts/sea.sh embeds them as SEA assets (`ui/<name>`);
 * otherwise they sit beside the code: `../../assets/` from dist/src, or
 * `../assets/` from the npm package's bundle in bin/.
 */
function assetReader(dir: string | undefined): (name: string) => Buffer {
  const sea = seaModule()
  if (dir == null && sea?.isSea() === true) return (name) => Buffer.from(sea.getAsset(`ui/${name}`))
  const base = dir ?? defaultAssetsDir()
  return (name) => readFileSync(join(base, name))
}

function seaModule(): SeaModule | undefined {
  try {
    return (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:sea') as
      | SeaModule
      | undefined
  } catch {
    return undefined
  }
}

function defaultAssetsDir(): string {
  for (const rel of ['../../assets/', '../assets/']) {
    try {
      const dir = fileURLToPath(new URL(rel, import.meta.url))
      if (existsSync(join(dir, 'index.html'))) return dir
    } catch {
      // A CommonJS bundle has no import.meta.url.
    }
  }
  return ''
}
