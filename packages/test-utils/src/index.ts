/**
 * Helpers shared by the tests of every package (never shipped): wait on a
 * condition with a deadline instead of sleeping, and read a list's item with
 * a clear failure instead of a TypeError later.
 *
 * @example
 * ```ts
 * import { at, until } from '@mesh-node/test-utils'
 * await until(() => registry.find('echo').length === 1, 'the remote agent')
 * await a.dial(at(b.getMultiaddrs(), 0))
 * ```
 */
import assert from 'node:assert/strict'

/**
 * Polls `probe` until it returns something other than undefined or false, and
 * returns that; fails with `what` when `timeoutMs` passes first.
 */
export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 25
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** The item at `index`, failing the test with a clear message when the list is shorter. */
export function at<T>(list: readonly T[], index: number, what = `item ${index}`): T {
  const item = list[index]
  assert.ok(item !== undefined, `expected ${what}, but the list has ${list.length} items`)
  return item
}

/** The last item, failing the test with a clear message when the list is empty. */
export function last<T>(list: readonly T[], what = 'the last item'): T {
  return at(list, list.length - 1, what)
}

/** The value, failing the test with a clear message when it is missing. */
export function present<T>(value: T | undefined | null, what = 'the value'): T {
  assert.ok(value != null, `expected ${what} to be present`)
  return value
}
