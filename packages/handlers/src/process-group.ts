/**
 * SIGKILLs every process in the group led by `pid` (children are spawned
 * detached, so their pid is their group id). Returns false if the group is
 * already gone.
 */
export function killProcessGroup(pid: number | undefined): boolean {
  if (pid === undefined) return false
  try {
    process.kill(-pid, 'SIGKILL')
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
}
