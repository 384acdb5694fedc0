import { printJson, printTable } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { shortPeer } from '../ids.js'

export function peersCommand(): Command {
  const peers = listPeers()
  peers.addCommand(disconnectCommand())
  return peers
}

/** `peers disconnect <peer>`: like `ipfs swarm disconnect`, to see the mesh ride out a lost connection. */
function disconnectCommand(): Command {
  const cmd = withJson(withDataDir(new Command('disconnect')))
  return cmd
    .description('close the connections to a connected peer (it may reconnect at once)')
    .argument('<peer>', 'peer id, a unique prefix of it, or the node name')
    .action(async (peer: string) => {
      // `peers` has the same options and takes them wherever they stand on the line.
      const options = cmd.optsWithGlobals<CommonOptions>()
      const done = await (await clientFor(options)).disconnectPeer(peer)
      if (options.json === true) printJson(done)
      else console.log(`disconnected ${done.name ?? shortPeer(done.peerId)} (${done.peerId})`)
    })
}

function listPeers(): Command {
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
