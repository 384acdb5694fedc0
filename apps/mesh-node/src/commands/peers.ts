import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { printJson, printTable } from '../output.js'

export function peersCommand(): Command {
  return withJson(withDataDir(new Command('peers')))
    .description('list connected peers')
    .action(async (options: CommonOptions) => {
      const peers = await (await clientFor(options)).peers()
      if (options.json === true) {
        printJson(peers)
        return
      }
      printTable(
        ['PEER ID', 'ADDRESSES'],
        peers.map((p) => [p.peerId, p.addresses.join(', ')]),
        'no peers connected'
      )
    })
}
