import { resolve } from 'node:path'
import { type Daemon, type LogLevel, type PartialConfig, startDaemon } from '@mesh-node/daemon'
import { Command, Option } from 'commander'
import { type CommonOptions, dataDirOf, withDataDir } from '../context.js'

interface StartOptions extends CommonOptions {
  config?: string
  name?: string
  listen?: string[]
  api?: string
  metrics?: string
  a2a?: string
  a2aAllowRemote?: boolean
  mdnsTag?: string
  mdns: boolean
  bootstrap?: string[]
  swarmKey?: string
  logLevel?: LogLevel
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

export function startCommand(): Command {
  const cmd = withDataDir(new Command('start'), { remote: false })
    .description('run the daemon in the foreground (initialises the data dir if needed)')
    .option('--config <file>', 'config file (default: DATA_DIR/config.json)')
    .option(
      '--name <name>',
      "this node's name in tables and the dashboard (default: the host name); a label, not identity"
    )
    .option('--listen <multiaddr>', 'listen address, repeatable (e.g. /ip4/0.0.0.0/tcp/0)', collect)
    .option('--api <host:port>', 'control API address (e.g. 127.0.0.1:0 for a free port)')
    .option(
      '--metrics <host:port>',
      'also serve /metrics (Prometheus) and /v1/health here, without a token (e.g. 0.0.0.0:9464)'
    )
    .option(
      '--a2a <host:port>',
      'serve the mesh as an A2A agent here (card at /.well-known/agent-card.json; token: mesh-node a2a token)'
    )
    .option('--a2a-allow-remote', 'let --a2a bind to an address other than loopback')
    .option('--mdns-tag <tag>', 'mDNS service tag; meshes with different tags stay apart')
    .option('--no-mdns', 'disable mDNS discovery')
    .option('--bootstrap <multiaddr>', 'peer to dial at start, with /p2p/ID; repeatable', collect)
    .option('--swarm-key <file>', 'make the mesh private with this pre-shared key')
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
        'silent'
      ])
    )

  return cmd.action(async (options: StartOptions) => {
    const daemon = await startDaemon({
      dataDir: dataDirOf(options),
      configFile: options.config != null ? resolve(options.config) : undefined,
      overrides: overridesOf(options, cmd.getOptionValueSource('mdns') === 'cli')
    })
    await runUntilStopped(daemon)
  })
}

/** The flags as a config layer; only what was given, so the config file keeps the rest. */
function overridesOf(options: StartOptions, mdnsFlagGiven: boolean): PartialConfig {
  const overrides: PartialConfig = {
    name: options.name,
    listen: options.listen,
    api: options.api,
    metrics: options.metrics,
    bootstrap: options.bootstrap,
    swarmKeyFile: options.swarmKey != null ? resolve(options.swarmKey) : undefined,
    logLevel: options.logLevel
  }
  const mdns: { enabled?: boolean; tag?: string } = {}
  if (mdnsFlagGiven) mdns.enabled = options.mdns
  if (options.mdnsTag != null) mdns.tag = options.mdnsTag
  if (Object.keys(mdns).length > 0) overrides.mdns = mdns
  const a2a: { address?: string; allowRemote?: boolean } = {}
  if (options.a2a != null) a2a.address = options.a2a
  if (options.a2aAllowRemote === true) a2a.allowRemote = true
  if (Object.keys(a2a).length > 0) overrides.a2a = a2a
  return overrides
}

/** Stops gracefully on the first SIGINT/SIGTERM, at once on the second; exits when the stop is complete. */
async function runUntilStopped(daemon: Daemon): Promise<never> {
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      daemon.log.warn({ signal }, 'second signal: exiting now')
      process.exit(130)
    }
    void daemon.stop(signal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // A misbehaving remote peer must not take the daemon down.
  process.on('unhandledRejection', (err) => {
    daemon.log.error({ err }, 'unhandled rejection')
  })
  process.on('uncaughtException', (err) => {
    daemon.log.error({ err }, 'uncaught exception')
  })
  await daemon.stopped
  // Discovery sockets and timers of libraries may linger; the stop is complete.
  process.exit(0)
}
