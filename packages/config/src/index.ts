/**
 * @packageDocumentation
 *
 * The config file of a mesh-node data dir (`config.json`): defaults,
 * merging of file, flags and environment, and validation that names the
 * key at fault and what to write instead (`ConfigError`).
 */

export * from './config.js'
export * from './errors.js'
