/**
 * @packageDocumentation
 *
 * The wire contracts of mesh-node, with no dependency on libp2p itself: a
 * compatible peer can be built from this package and docs/PROTOCOL.md alone.
 */

export * from './constants.js'
