/**
 * What this build is and speaks: the package version, the wire identifiers
 * from `@mesh-node/protocol`, and the Node running it. `mesh-node --version`
 * and `mesh-node version --json` print it, so a bug report names exactly
 * which peers can talk to each other.
 */
import { REPLAY_PROTOCOL, USER_TOPIC_PREFIX } from '@mesh-node/messaging'
import * as wire from '@mesh-node/protocol'
// Imported, not read from disk at run time: the packed CLI is one bundled file
// with no package.json beside it, and the bundler inlines this.
import pkg from '../package.json' with { type: 'json' }

export interface VersionInfo {
  name: string
  version: string
  node: string
  /** libp2p stream protocol ids, by constant name (TASK_PROTOCOL, DHT_PROTOCOL, ...). */
  protocols: Record<string, string>
  /** Gossipsub topics, by constant name; user topics are `USER_TOPIC_PREFIX` + name. */
  topics: Record<string, string>
}

/**
 * Every exported `*_PROTOCOL` and `*_TOPIC` string of the wire package, so a
 * new one shows up without editing this file, plus the ids the messaging
 * package owns (it speaks its own protocol beside the task protocol).
 */
const WIRE_IDS: Record<string, unknown> = {
  ...wire,
  TOPICS_PROTOCOL: REPLAY_PROTOCOL,
  USER_TOPIC: USER_TOPIC_PREFIX
}

function wireIds(suffix: string): Record<string, string> {
  const ids: Record<string, string> = {}
  for (const [key, value] of Object.entries(WIRE_IDS)) {
    if (key.endsWith(suffix) && typeof value === 'string') ids[key] = value
  }
  return ids
}

export function versionInfo(): VersionInfo {
  return {
    name: pkg.name,
    version: pkg.version,
    node: process.version,
    protocols: wireIds('_PROTOCOL'),
    topics: wireIds('_TOPIC')
  }
}

/** The human form, for `mesh-node --version` and `mesh-node version`. */
export function formatVersion(info: VersionInfo = versionInfo()): string {
  const lines = [`${info.name} ${info.version}`, `node       ${info.node}`]
  const protocols = Object.values(info.protocols)
  const topics = Object.values(info.topics)
  if (protocols.length > 0) lines.push(`protocols  ${protocols.join(', ')}`)
  if (topics.length > 0) lines.push(`topics     ${topics.join(', ')}`)
  return lines.join('\n')
}
