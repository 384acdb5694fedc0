import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { CAPABILITY_NAMESPACE } from './constants.js'

/** Capability names: what agents declare and tasks ask for. */
export const CAPABILITY_PATTERN = /^[a-z0-9][a-z0-9._:/-]{0,127}$/i

/**
 * The DHT key under which providers of a capability are announced:
 * CIDv1, raw codec (0x55), sha2-256 of the UTF-8 bytes of
 * `agent-mesh/capability/<name>`. Any libp2p implementation can derive it.
 */
export async function capabilityCid(name: string): Promise<CID> {
  const digest = await sha256.digest(new TextEncoder().encode(CAPABILITY_NAMESPACE + name))
  return CID.createV1(raw.code, digest)
}
