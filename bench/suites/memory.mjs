// RSS of an idle daemon with two agents, each alone on its own mDNS tag, in
// its own process, read from /proc/PID/status once it has settled.
import { echoAgent, slowAgent, startDaemonProcess, stopAll } from '../lib/daemon-proc.mjs'
import { log, median, readProcStatusMb, round, sleep } from '../lib/util.mjs'

export async function memorySuite({ root, cfg }) {
  log(`memory: ${cfg.daemons} idle daemons with two agents, settling ${cfg.settleMs} ms`)
  const daemons = await Promise.all(
    Array.from({ length: cfg.daemons }, (_, i) =>
      startDaemonProcess({
        root,
        name: `memory${i}`,
        tag: `bench-${process.pid}-mem${i}`,
        agents: [echoAgent('echo', ['echo'], 16), slowAgent('worker', ['work'], 4)]
      })
    )
  )
  const perDaemon = []
  const hwm = []
  try {
    await sleep(cfg.settleMs)
    const readings = daemons.map(() => [])
    for (let i = 0; i < cfg.readings; i++) {
      daemons.forEach((d, k) => {
        const mb = readProcStatusMb(d.pid, 'VmRSS')
        if (mb != null) readings[k].push(mb)
      })
      await sleep(500)
    }
    for (const [k, d] of daemons.entries()) {
      perDaemon.push(round(median(readings[k]), 1))
      hwm.push(round(readProcStatusMb(d.pid, 'VmHWM'), 1))
    }
  } finally {
    await stopAll(daemons)
  }
  const value = median(perDaemon)
  log(`  RSS per idle daemon: ${perDaemon.join(', ')} MB`)
  return [
    {
      metric: 'memory.rss_mb_per_node',
      value,
      unit: 'MB',
      params: {
        daemons: cfg.daemons,
        perDaemon,
        peakRssMb: hwm,
        settleMs: cfg.settleMs,
        readings: cfg.readings,
        agents: 2,
        process: 'separate daemon process, alone on its mDNS tag',
        goalMb: 120
      }
    }
  ]
}
