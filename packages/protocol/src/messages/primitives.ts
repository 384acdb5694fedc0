import { Type } from '@sinclair/typebox'
import { MAX_TASK_TIMEOUT_MS } from '../constants.js'

/** Field types shared by the message schemas (internal to this package). */

export const Id = Type.String({ minLength: 1, maxLength: 64 })
export const PeerIdString = Type.String({ minLength: 1, maxLength: 128 })
export const Capability = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$' })
export const AgentName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })
export const EpochMs = Type.Integer({ minimum: 0 })
export const ErrorInfo = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 64 }),
  message: Type.String({ maxLength: 8192 })
})

/** A duration in ms, to the microsecond, so nested hops' times add up exactly. */
export const Millis = Type.Number({ minimum: 0, maximum: MAX_TASK_TIMEOUT_MS })

export const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength })
