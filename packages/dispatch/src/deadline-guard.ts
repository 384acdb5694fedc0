/**
 * How long past its deadline a dispatch may run before the guard ends it.
 * The task path answers by the deadline itself (each send gets only what is
 * left of it); the slack lets that answer, with its own error, come first.
 */
export const DEADLINE_SLACK_MS = 2000

/**
 * The last line of defence for "no accepted task is lost": whatever a
 * dispatch waits on (a session that never answers, a re-ask loop, a stuck
 * stream), at its deadline plus the slack `onPast` runs, which aborts the
 * dispatch and fails the task `timeout`. Returns the function that disarms it.
 */
export function guardDeadline(deadline: number, onPast: () => void): () => void {
  const timer = setTimeout(onPast, Math.max(0, deadline - Date.now()) + DEADLINE_SLACK_MS)
  // A daemon that is stopping need not wait for its tasks' deadlines.
  timer.unref()
  return () => clearTimeout(timer)
}
