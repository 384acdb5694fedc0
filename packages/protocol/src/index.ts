/**
 * @packageDocumentation
 *
 * The wire contracts of mesh-node, with no dependency on libp2p itself: a
 * compatible peer can be built from this package and docs/PROTOCOL.md alone.
 *
 * @example
 * ```ts
 * import { capabilityCid, encodeFrame, FrameDecoder, decodeTaskMessage } from '@mesh-node/protocol'
 *
 * const cid = await capabilityCid('text.upper')     // the DHT key providers announce
 * const frame = encodeFrame({ type: 'capability_query', id: '1' })
 * const [body] = new FrameDecoder().push(frame)
 * console.log(cid.toString(), decodeTaskMessage(body))
 * ```
 */

export { CAPABILITY_PATTERN, capabilityCid } from './capability.js'
export * from './constants.js'
export { type Chunk, encodeFrame, FrameDecoder, FrameTooLargeError, MalformedFrameError } from './framing.js'
export * from './messages/index.js'
export { boundSchemas, type SchemaDrop } from './schema-bounds.js'
