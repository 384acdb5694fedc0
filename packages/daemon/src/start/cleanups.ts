/**
 * What a starting daemon must undo, in reverse order of acquisition: each
 * step pushes its own release as soon as it holds something, so a failure
 * at any later step (or a stop) releases exactly what was taken.
 */
export class Cleanups {
  private readonly steps: Array<() => Promise<void> | void> = []

  push(step: () => Promise<void> | void): void {
    this.steps.push(step)
  }

  /** Runs every release, newest first; one that throws does not keep the rest from running. */
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step()
      } catch {
        /* keep releasing the rest */
      }
    }
  }
}
