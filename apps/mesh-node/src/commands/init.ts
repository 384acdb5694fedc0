import { printJson } from '@mesh-node/cli-kit'
import { initDataDir } from '@mesh-node/daemon'
import { Command } from 'commander'
import { type CommonOptions, dataDirOf, withDataDir, withJson } from '../context.js'

export function initCommand(): Command {
  return withJson(withDataDir(new Command('init'), { remote: false }))
    .description('create the data dir: an Ed25519 identity and a default config (keeps an existing identity)')
    .action(async (options: CommonOptions) => {
      const result = await initDataDir(dataDirOf(options))
      if (options.json === true) {
        printJson(result)
        return
      }
      process.stderr.write(
        result.created
          ? `initialised ${result.dataDir} (config: ${result.configFile})\n`
          : `${result.dataDir} already has an identity; kept it\n`
      )
      process.stdout.write(result.peerId + '\n')
    })
}
