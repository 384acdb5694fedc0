// BENCH_STRACE=1: counts the socket-write syscalls a process makes while a
// phase runs (`strace -f -yy -p PID`, TCP fds only), to tell how many writes
// one message costs. Needs strace and the right to trace the process (root here).
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { sleep, spawnTracked, stopChild, withTimeout } from './util.mjs'

const WRITES = ['write', 'writev', 'sendmsg', 'sendto']

/**
 * Counts the write syscalls in a full trace (`-yy` names each fd), split by
 * what they wrote to: TCP sockets, or anything else (SQLite's WAL, pipes).
 */
export function countTracedWrites(text) {
  const calls = { tcp: 0, other: 0 }
  for (const line of text.split('\n')) {
    const m = /\b(write|writev|sendmsg|sendto)\((\d+)<([^>]*)>/.exec(line)
    if (m == null) continue
    calls[m[1]] = (calls[m[1]] ?? 0) + 1
    if (m[3].startsWith('TCP')) calls.tcp++
    else calls.other++
  }
  return calls
}

/** Runs `phase` while strace records `pid`'s writes; returns { result, writes (to TCP sockets), calls }. */
export async function countSyscalls(pid, dir, name, phase) {
  const file = join(dir, `strace-${name}-${pid}.txt`)
  const args = ['-f', '-q', '-yy', '-e', `trace=${WRITES.join(',')}`, '-e', 'signal=none', '-s', '0']
  const tracer = spawnTracked('strace', [...args, '-o', file, '-p', String(pid)], {
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
  const calls = countTracedWrites(readFileSync(file, 'utf8'))
  rmSync(file, { force: true })
  return { result, writes: calls.tcp, calls }
}
