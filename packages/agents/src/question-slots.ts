import { HandlerError } from '@mesh-node/handlers'

/**
 * Bounded concurrency for the questions one agent answers (votes,
 * brainstorms, critiques, bids). Questions keep their own pool so a busy
 * agent still answers, but the pool is as wide as the agent's capacity: a
 * remote peer asking 300 questions at once must not spawn 300 processes.
 * Past the pool, a question waits in a short queue; past the queue it is
 * refused at once, which is cheaper for everyone than a wait that ends in a
 * timeout.
 */
export class QuestionSlots {
  private running = 0
  private readonly waiting: Array<() => void> = []

  constructor(
    private readonly agent: string,
    private readonly concurrency: number,
    private readonly queueLimit: number
  ) {}

  /** Resolves with a release function once a slot is free; rejects when full or aborted. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted()
    if (this.running < this.concurrency) return this.take()
    if (this.waiting.length >= this.queueLimit) {
      throw new HandlerError(
        'handler_busy',
        `agent ${JSON.stringify(this.agent)} is answering ${this.running} questions with ${this.waiting.length} waiting (its limit); ask again later`
      )
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = () => {
        const i = this.waiting.indexOf(wake)
        if (i >= 0) this.waiting.splice(i, 1)
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(wake)
    })
    // The releasing question handed its slot straight to this one.
    return this.releaser()
  }

  /** Questions running now. */
  get active(): number {
    return this.running
  }

  private take(): () => void {
    this.running++
    return this.releaser()
  }

  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      // Hand the slot to the next waiter, if any, so no newcomer can slip in between.
      const next = this.waiting.shift()
      if (next !== undefined) next()
      else this.running--
    }
  }
}
