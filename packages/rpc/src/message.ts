import type { Static, TSchema } from '@sinclair/typebox'
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler'

/** Every message on a session names its type and carries a correlation id. */
export interface Envelope {
  type: string
  id: string
}

/**
 * One request type and the reply it is answered with, with the schemas both
 * are validated against. The package that owns the concept defines it next
 * to its handler; the rpc knows nothing else about it.
 */
export interface MessageDef<Req extends Envelope = Envelope, Rep extends Envelope = Envelope> {
  readonly type: string
  readonly replyType: string
  readonly request: TypeCheck<TSchema>
  readonly reply: TypeCheck<TSchema>
  /** Type-level only: carries the message types for RequestOf / ReplyOf. */
  readonly __types?: { request: Req; reply: Rep }
}

export type RequestOf<D> = D extends MessageDef<infer Req, Envelope> ? Req : never
export type ReplyOf<D> = D extends MessageDef<Envelope, infer Rep> ? Rep : never

/** Compiles both schemas once, when the owning module loads. `type` must be the schema's literal. */
export function defineMessage<Req extends TSchema, Rep extends TSchema>(
  type: string,
  replyType: string,
  request: Req,
  reply: Rep
): MessageDef<Static<Req> & Envelope, Static<Rep> & Envelope> {
  return { type, replyType, request: TypeCompiler.Compile(request), reply: TypeCompiler.Compile(reply) }
}

/** The first schema violation, as `path: message`. */
export function describeInvalid(check: TypeCheck<TSchema>, value: unknown): string {
  const first = check.Errors(value).First()
  return first == null ? 'invalid message' : `${first.path === '' ? '(root)' : first.path}: ${first.message}`
}
