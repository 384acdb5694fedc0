import { printJson } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, withJson } from '../context.js'
import { formatVersion, versionInfo } from '../version.js'

export function versionCommand(): Command {
  return withJson(new Command('version'))
    .description('show the package version, protocol ids and Node version')
    .action((options: CommonOptions) => {
      if (options.json === true) printJson(versionInfo())
      else process.stdout.write(formatVersion() + '\n')
    })
}
