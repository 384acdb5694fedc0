import { decodeSegment } from './request-guards.js'
import type { Route } from './server.js'

/** A request's route, with a reader of its `:name` path segments. */
export interface RouteMatch {
  route: Route
  param(name: string): string
}

/** Why no route answers: the path is unknown, or known under other methods only. */
export interface RouteMiss {
  /** Some route has this path (under another method). */
  known: boolean
  methodMismatch: boolean
}

interface CompiledRoute {
  route: Route
  pattern: RegExp
  keys: string[]
}

/** The API's routes, matched by method and path; `:name` segments are URL-decoded. */
export class RouteTable {
  private readonly routes: CompiledRoute[]

  constructor(routes: Route[]) {
    this.routes = routes.map(compile)
  }

  match(method: string | undefined, pathname: string): RouteMatch | RouteMiss {
    let known = false
    for (const { route, pattern, keys } of this.routes) {
      const found = pattern.exec(pathname)
      if (found == null) continue
      known = true
      if (route.method !== method) continue
      const params = new Map(keys.map((k, i) => [k, decodeSegment(found[i + 1] ?? '')]))
      const param = (name: string): string => {
        const value = params.get(name)
        if (value === undefined) throw new Error(`route ${route.path} has no :${name} segment`)
        return value
      }
      return { route, param }
    }
    return { known, methodMismatch: known }
  }
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = []
  const source = route.path.replace(/:([A-Za-z]+)/g, (_, key: string) => {
    keys.push(key)
    return '([^/]+)'
  })
  return { route, pattern: new RegExp(`^${source}$`), keys }
}
