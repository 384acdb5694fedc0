import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { shortPeer } from '../ids.js'
import { printJson, printTable } from '../output.js'

export function peersCommand(): Command {
  return withJson(withDataDir(new Command('peers')))
    .description('list connected peers')
    .option('--no-trunc', 'show whole peer ids')
    .action(async (options: CommonOptions & { trunc: boolean }) => {
      const peers = await (await clientFor(options)).peers()
      if (options.json === true) {
        printJson(peers)
        return
      }
      printTable(
        ['NAME', 'PEER ID', 'ADDRESSES'],
        peers.map((p) => [
          p.name ?? '-',
          shortPeer(p.peerId, !options.trunc),
          p.addresses.map((a) => (options.trunc ? a.replace(p.peerId, shortPeer(p.peerId)) : a)).join(', ')
        ]),
        'no peers connected'
      )
    })
}
