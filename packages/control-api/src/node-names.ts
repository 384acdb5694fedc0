/**
 * Node names for people: this node's configured name, and the names other
 * nodes announce in their state. A peer can claim any name, so a name is a
 * label only: nothing decides, routes or trusts by it, and every view that
 * shows one keeps the peer id beside it.
 */
export interface NodeNames {
  readonly self: string
  /** The name a peer announced (or this node's own); undefined if it gave none. */
  of(peerId: string | null | undefined): string | undefined
  /** `{ [peerId]: name }` for the given ids that have a name, for `names` fields of the API. */
  map(peerIds: Iterable<string | null | undefined>): Record<string, string>
}

export function nodeNames(
  selfPeerId: string,
  selfName: string,
  announced: (peerId: string) => string | undefined
): NodeNames {
  const of = (peerId: string | null | undefined): string | undefined =>
    peerId == null ? undefined : peerId === selfPeerId ? selfName : announced(peerId)
  return {
    self: selfName,
    of,
    map: (peerIds) => {
      const out: Record<string, string> = {}
      for (const id of peerIds) {
        const name = of(id)
        if (id != null && name != null) out[id] = name
      }
      return out
    }
  }
}
