import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createAgentRuntime, parseAgentSpecs } from '@mesh-node/agents'
import {
  checkAddresses,
  defaultNodeName,
  type MeshConfig,
  mergeConfig,
  type PartialConfig,
  readConfigFile,
  validateConfig
} from '@mesh-node/config'
import type { Coordination } from '@mesh-node/coordination'
import { createEventHub } from '@mesh-node/events'
import type { Mesh } from '@mesh-node/mesh'
import { createMeshMetrics } from '@mesh-node/metrics'
import { type MeshPeer, readSwarmKey } from '@mesh-node/peer'
import { openDatabase } from '@mesh-node/store'
import { agentTokens } from './agent-topics.js'
import { ensureDataDir, loadOrCreateIdentity, removeApiFile } from './data-dir.js'
import { acquireLock } from './lock.js'
import { createLogger, type Logger, usePrettyLogs } from './logger.js'
import { createHealth } from './observability.js'
import { Cleanups } from './start/cleanups.js'
import { openFrontDoors } from './start/front-doors.js'
import { openJournal } from './start/journal.js'
import type { NodeParts, StartPlan } from './start/parts.js'
import { startPeer } from './start/peer.js'
import { startServices } from './start/services.js'

export interface StartDaemonOptions {
  dataDir: string
  /** A config file given explicitly; otherwise DATA_DIR/config.json when it exists. */
  configFile?: string
  /** Command-line flags; they win over the config file. */
  overrides?: PartialConfig
  /** Force readable (true) or JSON (false) logs; by default readable on a terminal. */
  prettyLogs?: boolean
}

export interface Daemon {
  readonly peerId: string
  readonly apiUrl: string
  /** The token-free metrics listener, when `--metrics` asked for one. */
  readonly metricsUrl?: string
  /** The A2A listener, when `--a2a` asked for one. */
  readonly a2aUrl?: string
  readonly config: MeshConfig
  readonly log: Logger
  /** The libp2p peer and mesh subsystems, for embedding and benchmarks. */
  readonly peer: MeshPeer
  readonly mesh: Mesh
  /** Votes, solve rounds and auctions, submitting through this node's journaled dispatcher. */
  readonly coordination: Coordination
  /** Resolves once the daemon has fully stopped, however the stop began. */
  readonly stopped: Promise<void>
  stop(reason?: string): Promise<void>
}

/** Resolves the effective config without touching the data dir's state. */
export function loadConfig(dataDir: string, configFile?: string, overrides?: PartialConfig): MeshConfig {
  return resolveConfig(dataDir, configFile, overrides).config
}

function resolveConfig(
  dataDir: string,
  configFile?: string,
  overrides?: PartialConfig
): { config: MeshConfig; file?: string } {
  checkAddresses(overrides, 'command line')
  const paths = ensureDataDir(dataDir)
  const file = configFile ?? (existsSync(paths.config) ? paths.config : undefined)
  const fromFile = file != null ? readConfigFile(file) : undefined
  return { config: validateConfig(mergeConfig(fromFile, overrides), file ?? 'config'), file }
}

export async function startDaemon(options: StartDaemonOptions): Promise<Daemon> {
  const plan = planStart(options)
  const { paths } = plan
  const cleanups = new Cleanups()
  const lock = acquireLock(paths.lock, paths.dir)
  cleanups.push(() => lock.release())
  // Left by a daemon that crashed; it would send clients to a dead address.
  removeApiFile(paths)
  try {
    const parts = await startNodeParts(plan, cleanups)
    const { log } = parts
    let stopping: Promise<void> | undefined
    const { promise: stopped, resolve: resolveStopped } = Promise.withResolvers<void>()
    const stop = async (reason = 'requested'): Promise<void> => {
      stopping ??= (async () => {
        log.info({ reason }, 'shutting down')
        removeApiFile(paths)
        await cleanups.run()
        log.info('stopped')
        resolveStopped()
      })()
      await stopping
    }
    const doors = await openFrontDoors(parts, cleanups, () => void stop('api shutdown'))
    const peerId = parts.peer.peerId.toString()
    return {
      peerId,
      apiUrl: doors.apiUrl,
      metricsUrl: doors.metricsUrl,
      a2aUrl: doors.a2aUrl,
      config: plan.config,
      log,
      peer: parts.peer,
      mesh: parts.mesh,
      coordination: parts.rounds,
      stopped,
      stop
    }
  } catch (err) {
    await cleanups.run()
    throw err
  }
}

function planStart(options: StartDaemonOptions): StartPlan {
  const startedAt = Date.now()
  const paths = ensureDataDir(options.dataDir)
  const { config, file: configFile } = resolveConfig(options.dataDir, options.configFile, options.overrides)
  const agentBaseDir = configFile != null ? dirname(configFile) : paths.dir
  return {
    paths,
    config,
    nodeName: config.name ?? defaultNodeName(),
    agentBaseDir,
    agentSpecs: parseAgentSpecs(config.agents, { baseDir: agentBaseDir }),
    swarmKey: config.swarmKeyFile != null ? readSwarmKey(config.swarmKeyFile) : undefined,
    prettyLogs: options.prettyLogs,
    startedAt
  }
}

/** Identity, database, peer, agents and journal: what every other part stands on. */
async function startNodeParts(plan: StartPlan, cleanups: Cleanups): Promise<NodeParts> {
  const { paths, config } = plan
  const { privateKey } = await loadOrCreateIdentity(paths)
  const base = createLogger(config.logLevel, { pretty: plan.prettyLogs })
  // On a terminal the node's own id would repeat on every line; "daemon ready" shows it once.
  const log = usePrettyLogs(plan.prettyLogs)
    ? base
    : base.child({ peerId: peerIdFromPrivateKey(privateKey).toString() })
  const db = openDatabase(paths.database)
  cleanups.push(() => db.close())
  const metrics = createMeshMetrics()
  const peer = await startPeer({ config, privateKey, db, metrics, swarmKey: plan.swarmKey, log: () => log })
  cleanups.push(async () => {
    await peer.stop()
  })
  // Exec agents get the API's address and a token that may only publish or send.
  const scoped = agentTokens(plan.agentSpecs)
  const apiAddress = { url: '' }
  const runtime = await createAgentRuntime({
    agents: plan.agentSpecs,
    baseDir: plan.agentBaseDir,
    processDir: paths.agentProcesses,
    agentEnv: (agent) => ({
      MESH_NODE_API: apiAddress.url,
      MESH_NODE_TOKEN: scoped.byAgent.get(agent) ?? ''
    }),
    log: (level, msg, fields) => log[level]({ component: 'agents', ...fields }, msg)
  })
  cleanups.push(async () => {
    await runtime.close()
  })
  const health = createHealth(peer.peerId.toString(), plan.startedAt)
  const journal = openJournal(db, config, log, cleanups)
  health.journalOpened()
  cleanups.push(() => health.close())
  const events = createEventHub()
  cleanups.push(() => events.close())
  const services = await startServices({ plan, log, privateKey, peer, runtime, journal, events }, cleanups)
  return {
    plan,
    log,
    privateKey,
    metrics,
    peer,
    runtime,
    journal,
    health,
    events,
    ...services,
    scopedTokens: scoped.byToken,
    apiAddress
  }
}
