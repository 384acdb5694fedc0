import { createPrivateKey, type KeyObject } from 'node:crypto'
import { type AgentCard, generateAgentCardSignature, verifyAgentCardSignature } from '@a2a-js/sdk'
import { peerIdFromString } from '@libp2p/peer-id'
import { A2aServerError } from './errors.js'
import type { MeshSkill } from './mesh-tasks.js'

/** The bearer scheme's name in the card's `securitySchemes`. */
export const BEARER_SCHEME = 'meshBearer'
/** Where the JSON-RPC endpoint is mounted. */
export const JSONRPC_PATH = '/a2a/jsonrpc'

export interface CardInit {
  name: string
  baseUrl: string
  version: string
  peerId: string
}

/** The card for what the mesh offers now: one skill per capability. */
export function buildCard(init: CardInit, skills: MeshSkill[]): AgentCard {
  return {
    name: init.name,
    description: `A mesh-node (peer ${init.peerId}): each skill is a capability of some agent in its mesh. Name the skill in the message's metadata: {"skill": "<id>"}.`,
    // One endpoint, both versions: a request without an A2A-Version header
    // (or with 0.3) is served with 0.3's method names (`message/send`, …).
    supportedInterfaces: ['1.0', '0.3'].map((protocolVersion) => ({
      url: `${init.baseUrl}${JSONRPC_PATH}`,
      protocolBinding: 'JSONRPC',
      tenant: '',
      protocolVersion
    })),
    provider: undefined,
    version: init.version,
    capabilities: { streaming: true, pushNotifications: false, extensions: [] },
    securitySchemes: {
      [BEARER_SCHEME]: {
        scheme: {
          $case: 'httpAuthSecurityScheme',
          value: {
            description: 'The token in DATA_DIR/a2a.token on the serving node (mesh-node a2a token)',
            scheme: 'Bearer',
            bearerFormat: ''
          }
        }
      }
    },
    securityRequirements: [{ schemes: { [BEARER_SCHEME]: { list: [] } } }],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: skills.map((s) => ({
      id: s.capability,
      name: s.capability,
      description: s.description ?? `the mesh capability ${s.capability}`,
      tags: ['mesh'],
      examples: [],
      inputModes: [],
      outputModes: [],
      securityRequirements: []
    })),
    signatures: []
  }
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

/** The node's Ed25519 peer key (libp2p's 64-byte raw form: seed then public key) as a signing key. */
export function signingKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 64)
    throw new A2aServerError(
      'the A2A card is signed with an Ed25519 peer key; this node has another kind',
      'a2a_bad_key'
    )
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64url(raw.subarray(0, 32)), x: b64url(raw.subarray(32)) },
    format: 'jwk'
  })
}

/**
 * Signs the card as A2A's AgentCardSignature: a JWS (EdDSA) over the card's
 * JCS canonical form, with `kid` the node's peer id. The peer id holds the
 * public key, so a client needs nothing else to verify it.
 */
export async function signCard(card: AgentCard, key: KeyObject, peerId: string): Promise<AgentCard> {
  return await generateAgentCardSignature(key, { alg: 'EdDSA', kid: peerId, typ: 'JOSE' })(card)
}

/** The Ed25519 public key inside a peer id, as a JWK. */
export function publicJwkOfPeer(peerId: string): { kty: 'OKP'; crv: 'Ed25519'; x: string } {
  const key = peerIdFromString(peerId).publicKey
  if (key?.type !== 'Ed25519') throw new Error(`peer id ${peerId} does not hold an Ed25519 key`)
  return { kty: 'OKP', crv: 'Ed25519', x: b64url(key.raw) }
}

/**
 * Verifies that `card` is signed by the node with `peerId` (or, without it,
 * by whichever peer its signature's `kid` names). Throws if no signature
 * verifies.
 */
export async function verifyCard(card: AgentCard, peerId?: string): Promise<void> {
  await verifyAgentCardSignature(async (kid) => {
    if (peerId !== undefined && kid !== peerId) throw new Error(`signed by ${kid}, not ${peerId}`)
    return publicJwkOfPeer(kid)
  })(card)
}
