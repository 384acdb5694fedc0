import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CliError, progress, progressDone } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, clientFor, dataDirOf, withDataDir } from '../context.js'

const STOP_TIMEOUT_MS = 30_000

export function stopCommand(): Command {
  return withDataDir(new Command('stop'), { remote: false })
    .description('shut down the daemon of the data dir gracefully')
    .action(async (options: CommonOptions) => {
      const dataDir = dataDirOf(options)
      const client = await clientFor(options)
      await client.shutdown()
      progress(`stopping the daemon of ${dataDir}...`)
      // The daemon releases its lock as the very last step of a clean stop.
      const deadline = Date.now() + STOP_TIMEOUT_MS
      while (existsSync(join(dataDir, 'daemon.lock'))) {
        if (Date.now() > deadline)
          throw new CliError(
            `the daemon of ${dataDir} accepted the stop but is still running after ${STOP_TIMEOUT_MS / 1000} s`,
            'timeout'
          )
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      progressDone('stopped')
    })
}
