import type { Libp2p } from '@libp2p/interface'
import { capabilityCid } from '@mesh-node/protocol'
import type { Logger } from 'pino'

export interface CapabilityProvidersComponents {
  libp2p: Pick<Libp2p, 'contentRouting' | 'addEventListener' | 'removeEventListener' | 'peerId'>
  /** The capabilities to announce, read at each (re)provide. */
  capabilities: () => string[]
  log: Logger
}

export interface CapabilityProvidersInit {
  /** Provider records live 48 h in the DHT; re-announce well before. @default 10 min */
  reprovideIntervalMs?: number
  /** Bound on one provide of one capability. @default 30 s */
  provideTimeoutMs?: number
}

export interface CapabilityProviders {
  /** Announces every local capability now. */
  provideAll(): Promise<void>
  /** Peers the DHT lists as providers, within the deadline; never hangs. */
  findProviders(capability: string, options: { timeoutMs: number; limit?: number }): Promise<string[]>
  start(): void
  stop(): void
}

class DhtCapabilityProviders implements CapabilityProviders {
  private timer?: NodeJS.Timeout
  private pending?: NodeJS.Timeout
  private lastProvideAt = 0
  private readonly onConnect = (): void => {
    this.scheduleSoon()
  }

  constructor(
    private readonly components: CapabilityProvidersComponents,
    private readonly init: CapabilityProvidersInit
  ) {}

  start(): void {
    void this.provideAll()
    this.timer = setInterval(
      () => {
        void this.provideAll()
      },
      this.init.reprovideIntervalMs ?? 10 * 60_000
    )
    this.timer.unref()
    // A node that started alone announced to nobody; the first peers to
    // arrive give the DHT somewhere to put the records.
    this.components.libp2p.addEventListener('peer:connect', this.onConnect)
  }

  stop(): void {
    clearInterval(this.timer)
    clearTimeout(this.pending)
    this.components.libp2p.removeEventListener('peer:connect', this.onConnect)
  }

  private scheduleSoon(): void {
    if (this.pending != null) return
    // At most one provide per 5 s, but never skip one: the first peers to
    // arrive after a lonely start must get the records.
    const wait = Math.max(1000, 5000 - (Date.now() - this.lastProvideAt))
    this.pending = setTimeout(() => {
      this.pending = undefined
      void this.provideAll()
    }, wait)
    this.pending.unref()
  }

  async provideAll(): Promise<void> {
    this.lastProvideAt = Date.now()
    const caps = this.components.capabilities()
    await Promise.all(
      caps.map(async (cap) => {
        const started = Date.now()
        try {
          await this.components.libp2p.contentRouting.provide(await capabilityCid(cap), {
            signal: AbortSignal.timeout(this.init.provideTimeoutMs ?? 30_000)
          })
          this.components.log.debug(
            { capability: cap, ms: Date.now() - started },
            'provided capability in the DHT'
          )
        } catch (err) {
          this.components.log.debug(
            { capability: cap, err: (err as Error).message },
            'provide failed; will retry'
          )
        }
      })
    )
  }

  async findProviders(capability: string, options: { timeoutMs: number; limit?: number }): Promise<string[]> {
    const self = this.components.libp2p.peerId.toString()
    const found = new Set<string>()
    const limit = options.limit ?? 20
    try {
      const cid = await capabilityCid(capability)
      for await (const provider of this.components.libp2p.contentRouting.findProviders(cid, {
        signal: AbortSignal.timeout(Math.max(1, options.timeoutMs))
      })) {
        const id = provider.id.toString()
        if (id !== self) found.add(id)
        if (found.size >= limit) break
      }
    } catch (err) {
      // A deadline is an answer too: whatever was found so far.
      this.components.log.debug(
        { capability, err: (err as Error).message, found: found.size },
        'findProviders ended early'
      )
    }
    return [...found]
  }
}

export function createCapabilityProviders(
  components: CapabilityProvidersComponents,
  init: CapabilityProvidersInit = {}
): CapabilityProviders {
  return new DhtCapabilityProviders(components, init)
}
