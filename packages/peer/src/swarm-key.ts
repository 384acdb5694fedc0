import { readFileSync } from 'node:fs'

export class SwarmKeyError extends Error {
  override name = 'SwarmKeyError'
}

const HEADER = '/key/swarm/psk/1.0.0/'

/**
 * Reads and checks a swarm key file so that a bad key fails at start with a
 * message, not later as a mysterious handshake error on every connection.
 */
export function readSwarmKey(path: string): Uint8Array {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (err) {
    throw new SwarmKeyError(`cannot read swarm key file ${path}: ${(err as Error).message}`)
  }
  const lines = bytes
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
  if (lines[0] !== HEADER || lines[1] !== '/base16/' || !/^[0-9a-fA-F]{64}$/.test(lines[2] ?? '')) {
    throw new SwarmKeyError(
      `${path} is not a swarm key: expected "${HEADER}", "/base16/" and 64 hex digits (create one with "mesh-node swarm-key generate")`
    )
  }
  // @libp2p/pnet parses the canonical three-line form itself.
  return new TextEncoder().encode(`${HEADER}\n/base16/\n${lines[2]}`)
}
