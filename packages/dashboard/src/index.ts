/**
 * @packageDocumentation
 *
 * The live dashboard of a mesh-node: static files (plain JavaScript drawing
 * SVG by hand, no framework, no build step) and the login that reaches them.
 *
 * The API token never appears in a URL that lasts. `mesh-node dashboard`
 * asks the daemon (with the token) for a login code that is short-lived and
 * single-use; the browser trades it at `/ui/login?code=…` for a session
 * cookie (HttpOnly, SameSite=Strict) and is redirected to `/ui/`, so the
 * code leaves the address bar at once. The session reads the API with GET
 * only: the page observes and never acts.
 *
 * @example
 * ```ts
 * import { createDashboard } from '@mesh-node/dashboard'
 *
 * const dashboard = createDashboard()
 * const { code } = dashboard.issueLogin()        // behind the token
 * // GET /ui/login?code=…  -> dashboard.login(req, res)
 * // GET /ui/…             -> dashboard.serve(req, res)
 * // other GET routes      -> allowed when dashboard.authorize(req)
 * ```
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import { DefaultDashboard } from './dashboard.js'

export interface DashboardInit {
  /** How long a login code may wait to be used. @default 60000 */
  loginTtlMs?: number
  /** How long a session lasts. @default 43200000 (12 h) */
  sessionTtlMs?: number
  /** Login codes outstanding at once; the oldest is dropped past this. @default 16 */
  maxLogins?: number
  /** Sessions at once; the oldest is dropped past this. @default 32 */
  maxSessions?: number
  /** Where the page's files are. @default this package's `assets/` */
  assetsDir?: string
}

export interface Dashboard {
  /** A fresh single-use login code. */
  issueLogin(): { code: string; expiresAt: number }
  /** Handles `GET /ui/login?code=…`: sets the session cookie and redirects to `/ui/`. */
  login(req: IncomingMessage, res: ServerResponse): void
  /** Serves `/ui/` and its files to a browser with a session; others get a page that says how to log in. */
  serve(req: IncomingMessage, res: ServerResponse): void
  /** Whether the request carries a live session cookie. */
  authorize(req: IncomingMessage): boolean
}

export function createDashboard(init: DashboardInit = {}): Dashboard {
  return new DefaultDashboard(init)
}

export { SESSION_COOKIE } from './sessions.js'
