import { type Static, Type } from '@sinclair/typebox'
import { Id } from './primitives.js'

/** The session-level error reply (§5.3). */

export const ErrorMessageSchema = Type.Object({
  type: Type.Literal('error'),
  id: Type.Optional(Id),
  code: Type.String({ minLength: 1, maxLength: 64 }),
  message: Type.String({ maxLength: 8192 })
})
export type ErrorMessage = Static<typeof ErrorMessageSchema>
