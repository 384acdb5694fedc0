// A full daemon inside the current process (startDaemon), for the origin
// side of the RPC and coordination measurements and for the cluster workers.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startDaemon } from '@mesh-node/daemon'

export async function startInProcess({ root, name, tag, agents = [], config = {} }) {
  const dataDir = join(root, name)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const daemon = await startDaemon({
    dataDir,
    prettyLogs: false,
    overrides: {
      ...config,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      api: '127.0.0.1:0',
      mdns: { enabled: true, ...config.mdns, tag },
      logLevel: 'silent',
      agents
    }
  })
  return { name, dataDir, daemon }
}
