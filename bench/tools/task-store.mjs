#!/usr/bin/env node
// CPU per record of the executor's in-memory task store (what a node ran for
// others, `createTaskStore`, two events per task), past its bound of 10,000.
// Usage: node bench/tools/task-store.mjs [tasks=40000]
// STORE=path/to/task-store.{js,ts} measures another version (e.g. main's, via
// `git show main:packages/dispatch/src/task-store.ts > /tmp/old.ts`).
const { createTaskStore } = await import(
  process.env.STORE ?? new URL('../../packages/dispatch/dist/src/task-store.js', import.meta.url).href
)
const n = Number(process.argv[2] ?? 40000)
for (let r = 0; r < 3; r++) {
  const store = createTaskStore()
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const ev = {
      taskId: `t-${r}-${i}`,
      role: 'executor',
      capability: 'echo',
      from: 'p',
      status: 'started',
      at: Date.now()
    }
    store.record(ev)
    store.record({ ...ev, status: 'completed' })
  }
  const cpu = process.cpuUsage(cpu0)
  console.log(
    `run ${r + 1}: ${((cpu.user + cpu.system) / (2 * n)).toFixed(2)} µs CPU per record (${n} tasks × 2 events)`
  )
}
