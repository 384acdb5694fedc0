import { ErrorMessageSchema } from '@mesh-node/protocol'
import { TypeCompiler } from '@sinclair/typebox/compiler'

/** The `error` message either side may send; every other type belongs to a MessageDef. */
export const ERROR_CHECK = TypeCompiler.Compile(ErrorMessageSchema)

/** Longest correlation id echoed back in an error (the schemas allow 64). */
const MAX_ID_LENGTH = 64

export type ParsedFrame =
  | { ok: true; value: unknown; type: unknown; id: string | undefined }
  | { ok: false; error: string }

/** JSON-decodes one frame body and reads its envelope; validation is the MessageDef's. */
export function parseFrame(bytes: Uint8Array): ParsedFrame {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch (err) {
    return { ok: false, error: (err as Error).message }
  }
  const envelope = value as { type?: unknown; id?: unknown } | null
  const id = typeof envelope?.id === 'string' && envelope.id.length <= MAX_ID_LENGTH ? envelope.id : undefined
  return { ok: true, value, type: envelope?.type, id }
}
