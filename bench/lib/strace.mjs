// BENCH_STRACE=1: counts the socket-write syscalls a process makes while a
// phase runs (`strace -c -f -p PID`), to tell how many writes one message
// costs. Needs strace and the right to trace the process (root here).
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { sleep, spawnTracked, stopChild, withTimeout } from './util.mjs'

const WRITES = ['write', 'writev', 'sendmsg', 'sendto']

/** Parses `strace -c` output into { syscall: calls }. */
export function parseStraceSummary(text) {
  const calls = {}
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line)
    if (m != null) calls[m[2]] = Number(m[1])
  }
  return calls
}

/** Runs `phase` while strace counts `pid`'s syscalls; returns { result, writes, calls }. */
export async function countSyscalls(pid, dir, name, phase) {
  const file = join(dir, `strace-${name}-${pid}.txt`)
  const tracer = spawnTracked('strace', ['-c', '-f', '-q', '-o', file, '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  tracer.stderr.on('data', (c) => {
    stderr += c.toString()
  })
  // strace attaches in a few ms; give it time so the phase is traced whole.
  await sleep(300)
  if (tracer.exitCode != null) throw new Error(`strace -p ${pid} exited: ${stderr.trim()}`)
  const result = await phase()
  tracer.kill('SIGINT')
  await withTimeout(new Promise((resolve) => tracer.once('exit', resolve)), 5000, 'strace exit').catch(() =>
    stopChild(tracer, 1000)
  )
  const calls = parseStraceSummary(readFileSync(file, 'utf8'))
  rmSync(file, { force: true })
  const writes = WRITES.reduce((sum, k) => sum + (calls[k] ?? 0), 0)
  return { result, writes, calls }
}
