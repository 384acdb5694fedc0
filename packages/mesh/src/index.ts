/**
 * @packageDocumentation
 *
 * The composition of a mesh-node's peer-to-peer services on one libp2p
 * node: the rpc (`@mesh-node/rpc`), membership (`@mesh-node/membership`)
 * and tasks (`@mesh-node/tasks`), each a js-libp2p style service with its
 * components injected, started and stopped in order. Coordination
 * (`@mesh-node/coordination`) sits on top, composed by the daemon, because
 * it needs the daemon's journaled dispatcher to submit tasks.
 *
 * @example
 * ```ts
 * import { createMesh } from '@mesh-node/mesh'
 *
 * const mesh = createMesh({ libp2p: peer.libp2p, runtime, log })
 * await mesh.start()
 * const outcome = await mesh.tasks.submit({ capability: 'echo', input: 'hi', timeoutMs: 5000 })
 * ```
 */

export { createMesh, type Mesh, type MeshComponents, type MeshInit } from './mesh.js'
