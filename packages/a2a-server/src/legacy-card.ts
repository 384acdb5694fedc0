import type { AgentCard } from '@a2a-js/sdk'
import { BEARER_SCHEME } from './card.js'

/** The A2A version whose JSON-RPC method names (`message/send`, …) older clients speak. */
export const LEGACY_PROTOCOL_VERSION = '0.3'

/**
 * A card request is a 0.3 one when it names no version (A2A 1.0 added the
 * `A2A-Version` header) or a 0.3.x one, as `@a2a-js/sdk` decides for its
 * JSON-RPC endpoint, so the card and the methods a client gets agree.
 */
export function isLegacyRequest(version: string | undefined): boolean {
  const v = version?.trim() ?? ''
  return v === '' || /^0\.3(\.\d+)?$/.test(v)
}

/**
 * The same card in A2A 0.3's JSON shape (`url`, `preferredTransport`,
 * `protocolVersion`, `kind`-less skills, `type`-tagged security schemes),
 * for 0.3 clients. It is signed on its own: a signature covers the JSON a
 * client reads, so the 1.0 card's signature cannot be copied over.
 */
export function toLegacyCard(card: AgentCard): Record<string, unknown> {
  const legacy = card.supportedInterfaces.find(
    (i) => i.protocolBinding === 'JSONRPC' && i.protocolVersion === LEGACY_PROTOCOL_VERSION
  )
  const scheme = card.securitySchemes[BEARER_SCHEME]?.scheme
  const description = scheme?.$case === 'httpAuthSecurityScheme' ? scheme.value.description : undefined
  return {
    protocolVersion: '0.3.0',
    name: card.name,
    description: card.description,
    url: legacy?.url ?? card.supportedInterfaces[0]?.url,
    preferredTransport: 'JSONRPC',
    version: card.version,
    capabilities: {
      streaming: card.capabilities?.streaming === true,
      pushNotifications: card.capabilities?.pushNotifications === true
    },
    securitySchemes: { [BEARER_SCHEME]: { type: 'http', scheme: 'bearer', description } },
    security: [{ [BEARER_SCHEME]: [] }],
    defaultInputModes: card.defaultInputModes,
    defaultOutputModes: card.defaultOutputModes,
    skills: card.skills.map((s) => ({ id: s.id, name: s.name, description: s.description, tags: s.tags })),
    // Present (empty) so the signer appends to it rather than to a missing list.
    signatures: []
  }
}
