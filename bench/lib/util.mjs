// Shared helpers of the benchmark suite: timing, statistics, bounded waits,
// and a registry of the child processes this run started (and only those).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** `pnpm bench --smoke` (or BENCH_SMOKE=1): every suite at tiny sizes, nothing written, no goals. */
export const SMOKE = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1'
export const QUICK = !SMOKE && (process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true')
export const MODE = SMOKE ? 'smoke' : QUICK ? 'quick' : 'full'

const startedAt = performance.now()

/** Wall-clock milliseconds with sub-ms resolution, comparable between processes on one machine. */
export const now = () => performance.timeOrigin + performance.now()

export const elapsedS = () => (performance.now() - startedAt) / 1000

export function log(message) {
  console.log(`[${elapsedS().toFixed(1).padStart(6)}s] ${message}`)
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export const round = (x, digits = 3) => (x == null || Number.isNaN(x) ? null : Number(x.toFixed(digits)))

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  const sum = sorted.reduce((a, b) => a + b, 0)
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.length > 0 ? sum / sorted.length : null,
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null
  }
}

export const median = (values) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50
  )

/** Rejects when `promise` takes longer than `ms`. */
export async function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `check` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor(check, { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = performance.now() + timeoutMs
  let last
  while (performance.now() < deadline) {
    last = await check()
    if (last) return last
    await sleep(intervalMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** A free TCP port on 127.0.0.1 (the OS picks it; tiny race, fine for a bench). */
export async function freePort() {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

// Child processes this run started. Cleanup kills exactly these, by pid.
const children = new Set()

export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, options)
  children.add(child)
  child.once('exit', () => children.delete(child))
  child.once('error', () => children.delete(child))
  return child
}

export function trackChild(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

export const exited = (child) =>
  child.exitCode != null || child.signalCode != null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()))

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child, graceMs = 5000) {
  if (child.exitCode != null || child.signalCode != null) return
  child.kill('SIGTERM')
  try {
    await withTimeout(exited(child), graceMs, 'child exit')
  } catch {
    child.kill('SIGKILL')
    await withTimeout(exited(child), 2000, 'child exit after SIGKILL').catch(() => {})
  }
}

/** Last resort on the way out: SIGKILL every child still running. */
export function killAllChildren() {
  for (const child of children) {
    if (child.exitCode == null && child.signalCode == null) {
      try {
        child.kill('SIGKILL')
      } catch {
        /* already gone */
      }
    }
  }
}

/** A /proc/PID/status field (VmRSS, VmHWM) in MB, or null when the process is gone. */
export function readProcStatusMb(pid, field = 'VmRSS') {
  let text
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return m != null ? Number(m[1]) / 1024 : null
}
