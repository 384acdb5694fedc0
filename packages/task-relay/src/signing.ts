import { createHash, randomBytes } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { RejectReason } from './rejections.js'
import type { RouteResult } from './route-result.js'

/**
 * Results bound to attempts (PROTOCOL.md §6.9). The origin gives every
 * attempt an unguessable token; the executor signs (task id, token, digest
 * of its answer) with its peer key; forwarders pass the signature on; the
 * origin checks it against the public key in the claimed executor's peer id.
 * So a peer on the path cannot pass off an answer as another peer's.
 */

const DOMAIN = 'agent-mesh/task-result/1'

/** 16 random bytes, base64url: one attempt's token. */
export function newToken(): string {
  return randomBytes(16).toString('base64url')
}

/** JSON with object keys sorted (by UTF-16 code units) at every depth, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** The bytes an executor signs for one answer to one attempt. */
export function signedBytes(taskId: string, token: string, r: RouteResult): Uint8Array {
  const { status, executor, agent, result, error } = r
  const digest = createHash('sha256')
    .update(canonicalJson({ status, executor, agent, result, error }))
    .digest('hex')
  return new TextEncoder().encode(`${DOMAIN}\n${taskId}\n${token}\n${digest}`)
}

export async function signResult(key: PrivateKey, token: string, r: RouteResult): Promise<string> {
  return Buffer.from(await key.sign(signedBytes(r.taskId, token, r))).toString('base64url')
}

/** Whether `r.sig` is `r.executor`'s signature of this answer to the attempt of `token`. */
export async function verifyResult(token: string, r: RouteResult): Promise<boolean> {
  if (r.sig === undefined || r.executor === undefined) return false
  try {
    const key = peerIdFromString(r.executor).publicKey
    if (key === undefined) return false
    return await key.verify(signedBytes(r.taskId, token, r), Buffer.from(r.sig, 'base64url'))
  } catch {
    return false
  }
}

/**
 * Why the origin may not believe this answer's executor claim, for attempts
 * with these tokens; undefined when it may. An answer that names as
 * executor the peer that handed it over (or names none) is believed, signed
 * or not: that peer vouches for itself over its authenticated session, so
 * the Ed25519 check is skipped on the common, direct path. Any other must be
 * signed, and verify for one of the tokens.
 */
export async function disbelief(
  r: RouteResult,
  tokens: string[],
  handedBy: string
): Promise<RejectReason | undefined> {
  if (r.status !== 'completed' && r.status !== 'failed') return undefined
  if (r.executor === undefined || r.executor === handedBy) return undefined
  if (r.sig === undefined) return 'unsigned_foreign'
  if (tokens.length === 0) return 'unknown_token'
  for (const token of tokens) if (await verifyResult(token, r)) return undefined
  return 'forged_result'
}

/** Whether the origin may believe this answer's executor claim (see `disbelief`). */
export async function believable(r: RouteResult, tokens: string[], handedBy: string): Promise<boolean> {
  return (await disbelief(r, tokens, handedBy)) === undefined
}

/** Tasks (and attempts per task) whose tokens the origin keeps for late deliveries. */
const MAX_TASKS = 4096
const MAX_ATTEMPTS = 16

/** The token of one attempt, and the peer it was sent to. */
export interface AttemptToken {
  peer: string
  token: string
}

/**
 * The tokens of the attempts this origin sent, per task: a result delivered
 * late (§9.1) counts only for one of them. Memory holds the recent ones,
 * bounded; a task it does not hold (this origin restarted, or the task is
 * older) is looked up in `persisted`, the journal's copy, when there is one.
 */
export class AttemptTokens {
  private readonly byTask = new Map<string, AttemptToken[]>()

  constructor(private readonly persisted?: (taskId: string) => AttemptToken[]) {}

  add(taskId: string, peer: string, token: string): void {
    const list = this.byTask.get(taskId) ?? []
    list.push({ peer, token })
    if (list.length > MAX_ATTEMPTS) list.shift()
    this.byTask.delete(taskId)
    this.byTask.set(taskId, list)
    if (this.byTask.size > MAX_TASKS) this.byTask.delete(this.byTask.keys().next().value as string)
  }

  /** Tokens of the attempts sent to a peer on `path` (the first hop of that result). */
  forPath(taskId: string, path: string[]): string[] {
    const attempts = this.byTask.get(taskId) ?? this.persisted?.(taskId) ?? []
    return attempts.filter((a) => path.includes(a.peer)).map((a) => a.token)
  }
}
