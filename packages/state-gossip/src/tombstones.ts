/** A state's version: its subject's incarnation (start time), then its sequence number. */
export interface Version {
  incarnation: number
  seq: number
}

/** Whether `a` is a later state than `b` (anything is newer than nothing). */
export const newer = (a: Version, b: Version | undefined): boolean =>
  b == null || a.incarnation > b.incarnation || (a.incarnation === b.incarnation && a.seq > b.seq)

/** Peers whose last version is remembered after they were let go. @default */
export const MAX_TOMBSTONES = 4096

/**
 * The last version of each peer this node let go (declared dead, purged, or
 * a second-hand state that expired). Its own old signed states stay valid
 * signatures forever, so without this a replay of one, by gossip after
 * gossipsub's duplicate cache has moved on or by anti-entropy, would bring
 * the peer back. Only a later state (its next heartbeat after a partition,
 * or a restart's new incarnation) is believed. Bounded: past the cap the
 * oldest are dropped first.
 */
export class Tombstones {
  private readonly versions = new Map<string, Version>()

  constructor(private readonly max = MAX_TOMBSTONES) {}

  bury(peerId: string, version: Version | undefined): void {
    if (version == null) return
    const held = this.versions.get(peerId)
    this.versions.delete(peerId)
    this.versions.set(peerId, newer(version, held) ? version : (held as Version))
    while (this.versions.size > this.max) this.versions.delete(this.versions.keys().next().value as string)
  }

  /** True if `state` is no later than the last version of a peer this node let go. */
  buries(state: Version & { peerId: string }): boolean {
    const held = this.versions.get(state.peerId)
    return held != null && !newer(state, held)
  }

  /** A later state arrived: the peer is back. */
  lift(peerId: string): void {
    this.versions.delete(peerId)
  }

  get size(): number {
    return this.versions.size
  }
}
