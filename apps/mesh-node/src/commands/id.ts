import { printJson } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'

export function idCommand(): Command {
  return withJson(withDataDir(new Command('id')))
    .description("show the node's peer id and addresses")
    .action(async (options: CommonOptions) => {
      const info = await (await clientFor(options)).id()
      if (options.json === true) {
        printJson(info)
        return
      }
      process.stdout.write(`name       ${info.name}\npeer id    ${info.peerId}\n`)
      const lines = info.addresses.map((addr, i) => `${i === 0 ? 'addresses ' : '          '} ${addr}\n`)
      process.stdout.write(lines.join(''))
    })
}
