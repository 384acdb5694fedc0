import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { at, present } from '@mesh-node/test-utils'
import { execAgent } from '../helpers/agents.js'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { alive } from '../helpers/proc-stats.js'
import { waitFor } from '../helpers/wait.js'

/** Children of `parent` whose command line contains `needle`. */
function childrenOf(parent: number, needle: string): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === parent && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle))
        out.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

interface Running {
  pids: number[]
}

/**
 * An executor whose agent records its pid and the pid of a grandchild it
 * starts, then never finishes; two tasks submitted from a second node.
 */
async function executorWithRunningTasks(daemons: TestDaemon[]): Promise<{ executor: TestDaemon } & Running> {
  const tag = uniqueTag()
  const dir = tmpDataDir('mesh-orphans-')
  const pidDir = join(dir, 'pids')
  mkdirSync(pidDir)
  const command = execAgent(
    dir,
    'linger',
    `  const { spawn } = await import('node:child_process')
  const { writeFileSync } = await import('node:fs')
  const g = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)'], { stdio: 'ignore' })
  writeFileSync(${JSON.stringify(pidDir)} + '/' + process.pid, String(g.pid))
  setTimeout(() => {}, 300000)`
  )
  const executor = await startTestDaemon({
    tag,
    config: {
      agents: [{ name: 'linger', capabilities: ['linger'], capacity: 2, handler: { kind: 'exec', command } }]
    }
  })
  const origin = await startTestDaemon({ tag })
  daemons.push(executor, origin)
  await waitFor(async () => (await origin.client.agents({ capability: 'linger' })).length > 0, {
    message: 'the origin to know the linger agent'
  })
  for (let i = 0; i < 2; i++)
    await origin.client.submitNoWait({ capability: 'linger', input: i, timeoutMs: 120_000 })
  const pids = await waitFor(
    () => {
      const files = readdirSync(pidDir)
      if (files.length < 2) return
      return files.flatMap((f) => [Number(f), Number(readFileSync(join(pidDir, f), 'utf8'))])
    },
    { message: 'both agent processes and their grandchildren to start' }
  )
  assert.equal(pids.length, 4)
  for (const pid of pids) assert.ok(alive(pid), `agent process ${pid} runs`)
  return { executor, pids }
}

describe('exec agents never outlive their daemon', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('kill -9 of the executor: every agent process and its children are gone within 5 s', async () => {
    const { executor, pids } = await executorWithRunningTasks(daemons)
    executor.kill('SIGKILL')
    await executor.exited()
    await waitFor(() => pids.every((pid) => !alive(pid)), {
      timeoutMs: 5000,
      message: () => `agent processes ${pids.filter(alive).join(', ')} to be gone`
    })
  })

  it('if the reaper dies with the daemon, the next start kills the leftover groups before agents run', async () => {
    const { executor, pids } = await executorWithRunningTasks(daemons)
    const reapers = childrenOf(present(executor.proc.pid, 'the daemon pid'), 'mesh-node-reaper')
    assert.equal(reapers.length, 1, 'the executor runs one reaper')
    process.kill(at(reapers, 0), 'SIGKILL')
    executor.kill('SIGKILL')
    await executor.exited()
    await waitFor(() => !alive(at(reapers, 0)), { message: 'the reaper to be gone' })
    // Nothing else kills them: this is the orphan case the restart must clean up.
    for (const pid of pids) assert.ok(alive(pid), `agent process ${pid} outlived daemon and reaper`)
    const restarted = await startTestDaemon({ tag: executor.tag, dataDir: executor.dataDir })
    daemons.push(restarted)
    await waitFor(() => pids.every((pid) => !alive(pid)), {
      timeoutMs: 5000,
      message: () => `leftover agent processes ${pids.filter(alive).join(', ')} to be killed`
    })
    assert.match(restarted.output(), /killed exec agent process groups left by a previous run/)
    // Their records are gone too (the origin may meanwhile have re-sent the tasks: new pids).
    const records = readdirSync(join(executor.dataDir, 'agent-processes')).map(Number)
    for (const pid of pids) assert.ok(!records.includes(pid), `record of ${pid} removed`)
  })
})
