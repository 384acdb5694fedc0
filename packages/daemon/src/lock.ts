import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { DaemonError } from './errors.js'

export interface DataDirLock {
  release(): void
}

/**
 * Takes the data dir for this process. A lock left by a crashed daemon
 * (its pid is gone) is taken over; a live one is refused with the pid.
 */
export function acquireLock(lockPath: string, dataDir: string): DataDirLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600)
      writeSync(fd, `${process.pid}\n`)
      closeSync(fd)
      return {
        release: () => {
          if (ownerPid(lockPath) === process.pid) rmSync(lockPath, { force: true })
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DaemonError(
          `cannot lock data dir ${dataDir}: ${(err as Error).message}`,
          'data_dir_unusable'
        )
      }
    }
    const pid = ownerPid(lockPath)
    if (pid != null && pid !== process.pid && isAlive(pid)) {
      throw new DaemonError(
        `data dir ${dataDir} is in use by another mesh-node daemon (pid ${pid}); stop it with "mesh-node stop --data-dir ${dataDir}" or use another --data-dir`,
        'data_dir_locked'
      )
    }
    rmSync(lockPath, { force: true })
  }
  throw new DaemonError(
    `cannot lock data dir ${dataDir}: another process keeps taking the lock`,
    'data_dir_locked'
  )
}

function ownerPid(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
