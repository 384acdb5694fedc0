import { existsSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { generateKey } from '@libp2p/pnet'
import { CliError } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, dataDirOf, withDataDir } from '../context.js'

const KEY_FILE_BYTES = 95 // '/key/swarm/psk/1.0.0/\n/base16/\n' + 64 hex digits

export function swarmKeyCommand(): Command {
  const swarmKey = new Command('swarm-key').description('manage the pre-shared key of a private mesh')
  swarmKey.addCommand(
    withDataDir(new Command('generate'), { remote: false })
      .description('write a new swarm key (mode 0600); default file: DATA_DIR/swarm.key')
      .argument('[file]', 'where to write the key')
      .option('--force', 'overwrite an existing file')
      .action((file: string | undefined, options: CommonOptions & { force?: boolean }) => {
        const path = file != null ? resolve(file) : join(dataDirOf(options), 'swarm.key')
        if (existsSync(path) && options.force !== true) {
          throw new CliError(
            `${path} already exists; pass --force to replace it (every node of the mesh then needs the new key)`
          )
        }
        const key = new Uint8Array(KEY_FILE_BYTES)
        generateKey(key)
        try {
          writeFileSync(path, key, { mode: 0o600 })
        } catch (err) {
          throw new CliError(`cannot write ${path}: ${(err as Error).message}`)
        }
        process.stderr.write(
          `wrote ${path}; give the same file to every node: mesh-node start --swarm-key ${path}\n`
        )
        process.stdout.write(path + '\n')
      })
  )
  return swarmKey
}
