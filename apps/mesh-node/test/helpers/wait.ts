/** Polls a condition until it holds or the deadline passes; never a bare sleep. */
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string | (() => string) } = {}
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000)
  let lastError: unknown
  while (true) {
    try {
      const value = await condition()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const msg = typeof options.message === 'function' ? options.message() : (options.message ?? 'condition')
      throw new Error(
        `timed out after ${options.timeoutMs ?? 20_000} ms waiting for ${msg}${lastError != null ? ` (last error: ${(lastError as Error).message})` : ''}`
      )
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100))
  }
}
