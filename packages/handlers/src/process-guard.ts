import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { killProcessGroup } from './process-group.js'

/**
 * Makes sure no exec agent outlives its daemon. Exec children run in their
 * own process group (so one kill reaches all they start), which also means a
 * kill -9 of the daemon leaves them running. Two layers stop that:
 *
 * - every group is recorded in `dir` (one small file: pgid and the leader's
 *   start time) before its request is written, and removed when it ends;
 * - a reaper, one `/bin/sh` per daemon in its own session, blocks reading a
 *   pipe only the daemon holds. When the daemon dies, however it dies, the
 *   pipe reaches EOF and the reaper kills every recorded group, then exits.
 *
 * If the reaper died as well, the next start finds the files and kills the
 * leftover groups before any agent runs. The start time guards against a pid
 * that was reused by an unrelated process since it was recorded.
 */
export interface ProcessGuard {
  /** Records the group led by `pid`; the returned function forgets it. */
  track(pid: number): () => void
  /** Ends the reaper (it kills whatever is still recorded). */
  close(): void
}

// Runs when the daemon's end of stdin closes. Linux keeps a pid from being
// reused while any process still has it as its group id, so a group whose
// leader is gone (no /proc entry) can only be ours; a live leader must match
// the recorded start time (field 22 of /proc/PID/stat, counted after "comm)").
const REAPER = `
dir=$1
while read -r _; do :; done
for f in "$dir"/*; do
  [ -f "$f" ] || continue
  read -r pgid start < "$f" || { rm -f "$f"; continue; }
  case $pgid in ''|*[!0-9]*) rm -f "$f"; continue ;; esac
  if [ -r "/proc/$pgid/stat" ]; then
    s=$(cat "/proc/$pgid/stat" 2>/dev/null) || s=
    s=\${s##*) }
    set -- $s
    [ "\${20}" = "$start" ] || { rm -f "$f"; continue; }
  fi
  kill -KILL -"$pgid" 2>/dev/null
  rm -f "$f"
done
`

/** The start time of `pid` in clock ticks since boot, or '0' where /proc is missing. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

function procAvailable(): boolean {
  return startTime(process.pid) !== undefined
}

/** Kills the groups recorded by a daemon that died with its reaper; returns how many were still there. */
export function reapLeftovers(dir: string): number {
  let killed = 0
  let files: string[]
  try {
    files = readdirSync(dir)
  } catch {
    return 0
  }
  const proc = procAvailable()
  for (const name of files) {
    const file = join(dir, name)
    try {
      const [pgidText, recorded] = readFileSync(file, 'utf8').trim().split(' ')
      const pgid = Number(pgidText)
      const now = proc ? startTime(pgid) : recorded
      // Gone leader: the group id cannot have been reused. Live leader: must be the one we started.
      if (Number.isSafeInteger(pgid) && pgid > 1 && (now === undefined || now === recorded)) {
        if (killProcessGroup(pgid)) killed++
      }
    } catch {
      // An unreadable record is dropped: there is nothing safe to kill.
    }
    rmSync(file, { force: true })
  }
  return killed
}

export function createProcessGuard(dir: string): ProcessGuard {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const proc = procAvailable()
  let reaper: ChildProcess | undefined = spawn('/bin/sh', ['-c', REAPER, 'mesh-node-reaper', dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore']
  })
  reaper.on('error', () => {
    // No /bin/sh: the records still let the next start clean up.
    reaper = undefined
  })
  // Neither the reaper nor its pipe may keep the daemon's event loop alive.
  reaper.unref()
  ;(reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  reaper.stdin?.on('error', () => {})
  return {
    track(pid) {
      const file = join(dir, String(pid))
      writeFileSync(file, `${pid} ${proc ? (startTime(pid) ?? '0') : '0'}\n`, { mode: 0o600 })
      return () => rmSync(file, { force: true })
    },
    close() {
      reaper?.stdin?.end()
      reaper = undefined
    }
  }
}
