import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { DEFAULT_HEARTBEAT_MS, DEFAULT_MAX_MEMBERS, DEFAULT_PURGE_AFTER_MS } from '@mesh-node/membership'
import {
  MAX_NODE_NAME_LENGTH,
  MAX_TASK_TIMEOUT_MS,
  MDNS_TAG_PATTERN,
  NODE_NAME_PATTERN
} from '@mesh-node/protocol'
import { multiaddr } from '@multiformats/multiaddr'
import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigError } from './errors.js'

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const ConfigSchema = Type.Object(
  {
    /** The node's name in tables, events and the dashboard; the host name when null. A label, never identity. */
    name: Type.Union([Type.String(), Type.Null()]),
    listen: Type.Array(Type.String(), { minItems: 1, maxItems: 16 }),
    api: Type.String(),
    /** HOST:PORT of a token-free listener for Prometheus scrapers and health probes; off when null. */
    metrics: Type.Union([Type.String(), Type.Null()]),
    /** The A2A listener (`--a2a`): HOST:PORT or null (off); a non-loopback host needs allowRemote. */
    a2a: Type.Object(
      { address: Type.Union([Type.String(), Type.Null()]), allowRemote: Type.Boolean() },
      { additionalProperties: false }
    ),
    mdns: Type.Object(
      {
        enabled: Type.Boolean(),
        tag: Type.String(),
        intervalMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
        maxIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000 })
      },
      { additionalProperties: false }
    ),
    bootstrap: Type.Array(Type.String(), { maxItems: 64 }),
    swarmKeyFile: Type.Union([Type.String(), Type.Null()]),
    logLevel: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l))),
    connections: Type.Object(
      {
        maxConnections: Type.Integer({ minimum: 1, maximum: 10_000 }),
        inboundConnectionThreshold: Type.Integer({ minimum: 1, maximum: 10_000 }),
        maxIncomingPendingConnections: Type.Integer({ minimum: 1, maximum: 10_000 })
      },
      { additionalProperties: false }
    ),
    tasks: Type.Object(
      {
        defaultTimeoutMs: Type.Integer({ minimum: 1, maximum: MAX_TASK_TIMEOUT_MS }),
        maxHops: Type.Integer({ minimum: 0, maximum: 4 }),
        /** Finished tasks and executions older than this are pruned from the journal. */
        retentionMs: Type.Integer({ minimum: 60_000, maximum: 365 * 86_400_000 }),
        /**
         * The tasks this node accepted are also kept to at most about this
         * many bytes on disk: past it, the oldest finished ones are pruned first.
         */
        retentionMaxBytes: Type.Integer({ minimum: 1_048_576, maximum: 1_099_511_627_776 }),
        /**
         * The executions this node ran for others (and itself) are kept to at
         * most about this many bytes: past it, the first finished go first,
         * at the write that crossed it. Bounds what peers can put on its disk.
         */
        executionsMaxBytes: Type.Integer({ minimum: 1_048_576, maximum: 1_099_511_627_776 })
      },
      { additionalProperties: false }
    ),
    mesh: Type.Object(
      {
        heartbeatMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
        registryTtlMs: Type.Integer({ minimum: 500, maximum: 600_000 }),
        reprovideIntervalMs: Type.Integer({ minimum: 1000, maximum: 86_400_000 }),
        dhtLookupTimeoutMs: Type.Integer({ minimum: 10, maximum: 60_000 }),
        syncIntervalMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
        suspectAfterMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
        probeTimeoutMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
        suspicionTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
        /** A dead member, or a stored peer with no connection or member, is purged after this long. */
        departedPurgeMs: Type.Integer({ minimum: 1000, maximum: 30 * 86_400_000 }),
        /** Members (and unconnected stored peers) held at most; past it the longest gone go first. */
        maxMembers: Type.Integer({ minimum: 16, maximum: 100_000 })
      },
      { additionalProperties: false }
    ),
    agents: Type.Array(Type.Unknown(), { maxItems: 256 })
  },
  { additionalProperties: false }
)

export type MeshConfig = Static<typeof ConfigSchema>

/** A config file may set any subset; nested objects merge field by field. */
export type PartialConfig = {
  [K in keyof MeshConfig]?: MeshConfig[K] extends unknown[]
    ? MeshConfig[K]
    : MeshConfig[K] extends object
      ? Partial<MeshConfig[K]>
      : MeshConfig[K]
}

export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/4200'
export const DEFAULT_API = '127.0.0.1:4201'
export const DEFAULT_MDNS_TAG = 'agent-mesh'

export function defaultConfig(): MeshConfig {
  return {
    name: null,
    listen: [DEFAULT_LISTEN],
    api: DEFAULT_API,
    metrics: null,
    a2a: { address: null, allowRemote: false },
    mdns: { enabled: true, tag: DEFAULT_MDNS_TAG, intervalMs: 1000, maxIntervalMs: 10_000 },
    bootstrap: [],
    swarmKeyFile: null,
    logLevel: 'info',
    connections: { maxConnections: 512, inboundConnectionThreshold: 100, maxIncomingPendingConnections: 128 },
    tasks: {
      defaultTimeoutMs: 30_000,
      maxHops: 3,
      retentionMs: 7 * 86_400_000,
      retentionMaxBytes: 1_073_741_824,
      executionsMaxBytes: 1_073_741_824
    },
    mesh: {
      heartbeatMs: DEFAULT_HEARTBEAT_MS,
      registryTtlMs: 10_000,
      reprovideIntervalMs: 600_000,
      dhtLookupTimeoutMs: 1500,
      syncIntervalMs: 5000,
      // 2.5 heartbeats: a late heartbeat or two does not cost a probe.
      suspectAfterMs: 5000,
      probeTimeoutMs: 750,
      suspicionTimeoutMs: 1500,
      departedPurgeMs: DEFAULT_PURGE_AFTER_MS,
      maxMembers: DEFAULT_MAX_MEMBERS
    },
    agents: []
  }
}

/** Defaults, then the file, then flags: each later layer wins field by field. */
export function mergeConfig(...layers: Array<PartialConfig | undefined>): MeshConfig {
  const out = defaultConfig() as unknown as Record<string, unknown>
  for (const layer of layers) {
    if (layer == null) continue
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue
      const current = out[key]
      out[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value
    }
  }
  return out as unknown as MeshConfig
}

/** Reads a JSON config file; every failure names the file and what to fix. */
export function readConfigFile(path: string): PartialConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message
    throw new ConfigError(`cannot read config file ${path}: ${why}`, 'config_unreadable')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(
      `config file ${path} is not valid JSON: ${(err as Error).message}`,
      'config_invalid'
    )
  }
  if (!isPlainObject(parsed))
    throw new ConfigError(`config file ${path} must hold a JSON object`, 'config_invalid')
  return parsed as PartialConfig
}

/** Checks the address-like values of one layer, so errors name the layer they came from. */
export function checkAddresses(layer: PartialConfig | undefined, source: string): void {
  for (const addr of layer?.listen ?? []) checkMultiaddr(addr, 'listen address', source)
  for (const addr of layer?.bootstrap ?? []) checkBootstrap(addr, source)
  if (typeof layer?.api === 'string') parseHostPort(layer.api, source)
  if (typeof layer?.metrics === 'string') parseHostPort(layer.metrics, source, 'metrics address')
  if (typeof layer?.a2a?.address === 'string') parseHostPort(layer.a2a.address, source, 'A2A address')
  if (typeof layer?.name === 'string') checkNodeName(layer.name, source)
}

/** Checks a merged config, including the parts a schema cannot (multiaddrs, host:port). */
export function validateConfig(config: MeshConfig, source = 'config'): MeshConfig {
  const first = Value.Errors(ConfigSchema, config).First()
  if (first != null) {
    const where = first.path === '' ? '(top level)' : first.path.slice(1).replaceAll('/', '.')
    const what =
      first.message === 'Unexpected property' ? 'unknown setting (check its spelling)' : first.message
    throw new ConfigError(`${source}: ${where}: ${what}`, 'config_invalid')
  }
  for (const addr of config.listen) checkMultiaddr(addr, 'listen address', source)
  for (const addr of config.bootstrap) checkBootstrap(addr, source)
  parseHostPort(config.api, source)
  if (config.metrics != null) parseHostPort(config.metrics, source, 'metrics address')
  if (config.a2a.address != null) {
    const { host } = parseHostPort(config.a2a.address, source, 'A2A address')
    if (!isLoopbackHost(host) && !config.a2a.allowRemote)
      throw new ConfigError(
        `${source}: the A2A listener ${config.a2a.address} is not on loopback; bind it to 127.0.0.1, or allow it with --a2a-allow-remote ("a2a": {"allowRemote": true}) on a network you trust`,
        'config_invalid'
      )
  }
  if (!MDNS_TAG_PATTERN.test(config.mdns.tag) && !config.mdns.tag.endsWith('.local')) {
    throw new ConfigError(
      `${source}: mdns.tag "${config.mdns.tag}" must be letters, digits and dashes (at most 63)`,
      'config_invalid'
    )
  }
  if (config.name != null) checkNodeName(config.name, source)
  return config
}

/** Names are shown to people: bounded and printable, so a table or a terminal cannot be garbled by one. */
export function checkNodeName(name: string, source = 'config'): string {
  if (!NODE_NAME_PATTERN.test(name) || name.trim() !== name)
    throw new ConfigError(
      `${source}: name ${JSON.stringify(name.slice(0, 80))} must be 1–${MAX_NODE_NAME_LENGTH} printable characters with no control characters and no leading or trailing spaces`,
      'config_invalid'
    )
  return name
}

/** The name a node takes when none is configured: the host name, made to fit the name rules. */
export function defaultNodeName(): string {
  const name = [...hostname()]
    .filter((c) => NODE_NAME_PATTERN.test(c))
    .join('')
    .trim()
    .slice(0, MAX_NODE_NAME_LENGTH)
  return name === '' ? 'mesh-node' : name
}

/** 127.0.0.0/8, ::1 and localhost: the hosts a listener may bind without allowRemote. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

export function parseHostPort(
  value: string,
  source = 'config',
  what = 'api address'
): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value)
  const host = match?.[1]
  const port = match != null ? Number(match[2]) : Number.NaN
  if (host == null || port > 65535) {
    throw new ConfigError(
      `${source}: ${what} "${value}" must be HOST:PORT, e.g. 127.0.0.1:4201 (port 0 picks a free one)`,
      'config_invalid'
    )
  }
  return { host: host.replace(/^\[|\]$/g, ''), port }
}

function checkBootstrap(addr: string, source: string): void {
  checkMultiaddr(addr, 'bootstrap address', source)
  if (!addr.includes('/p2p/'))
    throw new ConfigError(
      `${source}: bootstrap address "${addr}" must end with /p2p/<peer id>`,
      'config_invalid'
    )
}

function checkMultiaddr(addr: string, what: string, source: string): void {
  try {
    multiaddr(addr)
  } catch (err) {
    throw new ConfigError(
      `${source}: invalid ${what} "${addr}": ${(err as Error).message} (example: /ip4/0.0.0.0/tcp/4200)`,
      'config_invalid'
    )
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
