import { join } from 'node:path'
import { printJson } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, dataDirOf, withDataDir, withJson } from '../context.js'

/** The file `mesh-node start --a2a` reads its bearer token from (daemon's A2A_TOKEN_FILE). */
const TOKEN_FILE = 'a2a.token'

export function a2aCommand(): Command {
  const cmd = new Command('a2a').description('the A2A listener (mesh-node start --a2a HOST:PORT)')
  cmd.addCommand(
    withJson(withDataDir(new Command('token'), { remote: false }))
      .description(
        'print the bearer token A2A clients send (Authorization: Bearer TOKEN); made, mode 0600, on first use'
      )
      .action(async (options: CommonOptions) => {
        const file = join(dataDirOf(options), TOKEN_FILE)
        // Loaded here, not at the top: every command (and the daemon) would carry the A2A SDK.
        const { loadOrCreateToken } = await import('@mesh-node/a2a-server')
        const token = loadOrCreateToken(file)
        if (options.json === true) printJson({ token, file })
        else process.stdout.write(`${token}\n`)
      })
  )
  return cmd
}
