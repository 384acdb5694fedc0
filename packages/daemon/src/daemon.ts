import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { createAgentRuntime, parseAgentSpecs } from '@mesh-node/agents'
import { type Coordination, coordination } from '@mesh-node/coordination'
import { createDashboard } from '@mesh-node/dashboard'
import { createTaskJournal } from '@mesh-node/journal'
import { createMesh, type Mesh } from '@mesh-node/mesh'
import { messaging } from '@mesh-node/messaging'
import { createMeshMetrics } from '@mesh-node/metrics'
import { createMeshPeer, type MeshPeer, readSwarmKey } from '@mesh-node/peer'
import { mdnsServiceTag } from '@mesh-node/protocol'
import { type MeshDatabase, openDatabase, sqliteDatastore } from '@mesh-node/store'
import { startA2aListener } from './a2a-listener.js'
import { agentTokens, directDelivery, subscribeAgents } from './agent-topics.js'
import { coordinationRoutes, dispatcherSubmit } from './api/coordination-routes.js'
import { dashboardRoutes } from './api/dashboard-routes.js'
import { meshRoutes } from './api/mesh-routes.js'
import { nodeRoutes } from './api/node-routes.js'
import { observeRoutes } from './api/observe-routes.js'
import { type ApiServer, startApiServer } from './api/server.js'
import { taskRoutes } from './api/task-routes.js'
import { topicRoutes } from './api/topic-routes.js'
import {
  checkAddresses,
  defaultNodeName,
  type MeshConfig,
  mergeConfig,
  type PartialConfig,
  parseHostPort,
  readConfigFile,
  validateConfig
} from './config.js'
import { ensureDataDir, loadOrCreateIdentity, removeApiFile, writeApiFiles } from './data-dir.js'
import { DaemonError } from './errors.js'
import { createEventHub } from './event-hub.js'
import { bufferedExecutions } from './execution-log.js'
import { acquireLock, type DataDirLock } from './lock.js'
import { logMeshEvents } from './log-events.js'
import { createLogger, type Logger, usePrettyLogs } from './logger.js'
import { startMetricsServer } from './metrics-server.js'
import { nodeNames } from './node-names.js'
import { createHealth, observeDaemon } from './observability.js'
import { createTaskDispatcher, type TaskDispatcher } from './task-dispatcher.js'
import { publishMeshEvents } from './task-events.js'
import { createTaskStore } from './task-store.js'
import { createTraceStore } from './trace-store.js'

/** How often the journal is pruned by age and size; at 100 tasks/s that is 30,000 tasks between runs. */
const PRUNE_INTERVAL_MS = 300_000

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
  const startedAt = Date.now()
  const paths = ensureDataDir(options.dataDir)
  const { config, file: configFile } = resolveConfig(options.dataDir, options.configFile, options.overrides)
  const api = parseHostPort(config.api)
  // Relative handler paths (exec cwd, module path) are relative to the config file.
  const agentBaseDir = configFile != null ? dirname(configFile) : paths.dir
  const nodeName = config.name ?? defaultNodeName()
  const agentSpecs = parseAgentSpecs(config.agents, { baseDir: agentBaseDir })
  const swarmKey = config.swarmKeyFile != null ? readSwarmKey(config.swarmKeyFile) : undefined

  const cleanups: Array<() => Promise<void> | void> = []
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn()
      } catch {
        /* keep releasing the rest */
      }
    }
    cleanups.length = 0
  }

  const lock: DataDirLock = acquireLock(paths.lock, paths.dir)
  cleanups.push(() => lock.release())
  // Left by a daemon that crashed; it would send clients to a dead address.
  removeApiFile(paths)
  try {
    const { privateKey } = await loadOrCreateIdentity(paths)
    // Replaced by a child carrying the peer id as soon as the peer exists.
    let log: Logger = createLogger(config.logLevel, { pretty: options.prettyLogs })

    const db: MeshDatabase = openDatabase(paths.database)
    cleanups.push(() => db.close())
    const metrics = createMeshMetrics()

    let peer: MeshPeer
    try {
      peer = await createMeshPeer({
        privateKey,
        listen: config.listen,
        bootstrap: config.bootstrap,
        mdns: {
          enabled: config.mdns.enabled,
          serviceTag: mdnsServiceTag(config.mdns.tag),
          intervalMs: config.mdns.intervalMs
        },
        swarmKey,
        datastore: sqliteDatastore(db, { table: 'libp2p' }),
        connections: config.connections,
        metrics: metrics.libp2pMetrics,
        onDialError: (peerId, err) =>
          log.debug({ remotePeer: peerId.toString(), err: err.message }, 'auto-dial failed')
      })
    } catch (err) {
      throw listenError(err, config.listen)
    }
    // On a terminal the node's own id would repeat on every line; "daemon ready" shows it once.
    if (!usePrettyLogs(options.prettyLogs)) log = log.child({ peerId: peer.peerId.toString() })
    cleanups.push(async () => {
      await peer.stop()
    })

    // Exec agents get the API's address and a token that may only publish or send.
    const scoped = agentTokens(agentSpecs)
    let apiUrl = ''
    const runtime = await createAgentRuntime({
      agents: agentSpecs,
      baseDir: agentBaseDir,
      processDir: paths.agentProcesses,
      agentEnv: (agent) => ({ MESH_NODE_API: apiUrl, MESH_NODE_TOKEN: scoped.byAgent.get(agent) ?? '' }),
      log: (level, msg, fields) => log[level]({ component: 'agents', ...fields }, msg)
    })
    cleanups.push(async () => {
      await runtime.close()
    })
    const journal = createTaskJournal(db)
    const health = createHealth(peer.peerId.toString(), startedAt)
    health.journalOpened()
    cleanups.push(() => health.close())
    const abandoned = journal.abandonRunningExecutions()
    if (abandoned > 0)
      log.warn({ count: abandoned }, 'executions cut short by the last crash are marked failed')
    // Finished history is kept for a while and within a size, then pruned (at start, then
    // every few minutes); unfinished work never is.
    const prune = (): void => {
      try {
        const { retentionMs: olderThanMs, retentionMaxBytes: maxBytes } = config.tasks
        const removed = journal.prune({ olderThanMs, maxBytes })
        if (removed > 0) log.info({ removed }, 'pruned old tasks and executions from the journal')
      } catch (err) {
        log.warn({ err }, 'journal prune failed')
      }
    }
    prune()
    const pruning = setInterval(prune, PRUNE_INTERVAL_MS)
    pruning.unref()
    cleanups.push(() => clearInterval(pruning))
    const executions = bufferedExecutions(journal)
    cleanups.push(() => executions.flush())
    let dispatcher: TaskDispatcher | undefined
    const events = createEventHub()
    cleanups.push(() => events.close())
    const mesh = createMesh(
      {
        libp2p: peer.libp2p,
        privateKey,
        runtime,
        log,
        outbox: journal,
        executions,
        acceptDeliveredResult: (result, from) => dispatcher?.acceptDelivered(result, from) ?? false
      },
      {
        registry: { ttlMs: config.mesh.registryTtlMs },
        gossip: {
          heartbeatMs: config.mesh.heartbeatMs,
          syncIntervalMs: config.mesh.syncIntervalMs,
          name: nodeName
        },
        providers: { reprovideIntervalMs: config.mesh.reprovideIntervalMs },
        tasks: { maxHops: config.tasks.maxHops, dhtLookupTimeoutMs: config.mesh.dhtLookupTimeoutMs },
        failureDetector: {
          suspectAfterMs: config.mesh.suspectAfterMs,
          probeTimeoutMs: config.mesh.probeTimeoutMs,
          suspicionTimeoutMs: config.mesh.suspicionTimeoutMs
        }
      }
    )
    const names = nodeNames(peer.peerId.toString(), nodeName, (id) => mesh.gossip.nodeInfo(id)?.name)
    publishMeshEvents(events, mesh, journal, names)
    const traces = createTraceStore({ persisted: (taskId) => journal.trace(taskId) })
    dispatcher = createTaskDispatcher({
      journal,
      tasks: mesh.tasks,
      registry: mesh.registry,
      selfPeerId: peer.peerId.toString(),
      connectedPeers: () => peer.connectedPeers().length,
      traces,
      log: log.child({ component: 'dispatcher' })
    })
    const rounds = coordination()({
      rpc: mesh.rpc,
      pubsub: peer.libp2p.services.pubsub,
      registry: mesh.registry,
      runtime,
      tasks: mesh.tasks,
      submit: dispatcherSubmit(dispatcher),
      selfPeerId: peer.peerId.toString(),
      log,
      emit: (event) => events.publish(event)
    })
    await mesh.start()
    await rounds.start()
    cleanups.push(async () => {
      await mesh.stop()
    })
    cleanups.push(async () => {
      await rounds.stop()
    })
    // mDNS asks at start and every interval; bootstrap dials at start.
    health.discoveryStarted(config.mdns.enabled ? config.mdns.intervalMs : 0)
    cleanups.push(observeDaemon({ metrics, journal, mesh, peer, databasePath: paths.database }))
    cleanups.push(logMeshEvents(log, peer, mesh, journal))
    const bus = messaging()({
      libp2p: peer.libp2p,
      pubsub: peer.libp2p.services.pubsub,
      log: log.child({ component: 'messaging' }),
      deliverDirect: directDelivery(runtime),
      rpc: mesh.rpc
    })
    await bus.start()
    cleanups.push(async () => {
      await bus.stop()
    })
    const seen = createTaskStore()
    // The journal keeps this node's own tasks; this keeps what it did for others.
    mesh.tasks.onTaskEvent((event) => {
      if (event.role !== 'origin') seen.record(event)
    })
    dispatcher.start()
    cleanups.push(() => dispatcher?.stop())

    let stopping: Promise<void> | undefined
    let resolveStopped!: () => void
    const stopped = new Promise<void>((resolve) => {
      resolveStopped = resolve
    })

    const stop = async (reason = 'requested'): Promise<void> => {
      stopping ??= (async () => {
        log.info({ reason }, 'shutting down')
        removeApiFile(paths)
        await cleanup()
        log.info('stopped')
        resolveStopped()
      })()
      await stopping
    }

    const token = randomBytes(32).toString('hex')
    const dashboard = createDashboard()
    let server: ApiServer
    try {
      server = await startApiServer({
        host: api.host,
        port: api.port,
        token,
        scopedTokens: scoped.byToken,
        log: log.child({ component: 'api' }),
        // The dashboard's session reads; everything that acts needs the token.
        authorize: (req) => req.method === 'GET' && dashboard.authorize(req),
        routes: [
          ...nodeRoutes({
            peer,
            names,
            requestShutdown: () => {
              void stop('api shutdown')
            }
          }),
          ...taskRoutes({
            mesh,
            journal,
            dispatcher,
            seen,
            names,
            traces,
            defaultTimeoutMs: config.tasks.defaultTimeoutMs
          }),
          ...meshRoutes({ peer, mesh, journal, events, names, startedAt }),
          ...coordinationRoutes({ coordination: rounds }),
          ...topicRoutes({
            messaging: bus,
            agentNodes: (agent) => mesh.registry.all().flatMap((a) => (a.agent === agent ? [a.peerId] : []))
          }),
          ...observeRoutes({ metrics, health }),
          ...dashboardRoutes({ dashboard, peer, mesh, names })
        ]
      })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new DaemonError(
          `API address ${config.api} is already in use; choose another with --api HOST:PORT (port 0 picks a free one)`,
          'api_address_in_use'
        )
      }
      throw new DaemonError(`cannot start the API on ${config.api}: ${(err as Error).message}`, 'api_failed')
    }
    // Closing the API first means no request sees a half-stopped node.
    cleanups.push(async () => {
      await server.close()
    })
    cleanups.push(() => removeApiFile(paths))
    const metricsServer =
      config.metrics != null
        ? await startMetricsServer({
            address: config.metrics,
            metrics,
            health,
            log: log.child({ component: 'metrics' })
          })
        : undefined
    if (metricsServer != null) cleanups.push(async () => await metricsServer.close())
    const a2a = await startA2aListener({
      ...{
        config,
        dataDir: paths.dir,
        dispatcher,
        journal,
        registry: mesh.registry,
        pieces: mesh.tasks.pieces
      },
      ...{ peerId: peer.peerId.toString(), privateKey: privateKey.raw, log: log.child({ component: 'a2a' }) }
    })
    if (a2a != null) cleanups.push(async () => await a2a.stop())

    apiUrl = server.url
    cleanups.push(
      subscribeAgents({
        agents: agentSpecs,
        runtime,
        messaging: bus,
        selfPeerId: peer.peerId.toString(),
        log: log.child({ component: 'agent-topics' })
      })
    )
    writeApiFiles(paths, server.url, token)
    log.info(
      {
        // JSON lines carry it already, from the child logger.
        ...(usePrettyLogs(options.prettyLogs) ? { peerId: peer.peerId.toString() } : {}),
        api: server.url,
        metrics: metricsServer?.url ?? null,
        a2a: a2a?.cardUrl ?? null,
        addresses: peer.addresses(),
        name: nodeName,
        dataDir: paths.dir,
        mdnsTag: config.mdns.enabled ? config.mdns.tag : null,
        agents: agentSpecs.map((a) => a.name)
      },
      'daemon ready'
    )

    return {
      peerId: peer.peerId.toString(),
      apiUrl: server.url,
      metricsUrl: metricsServer?.url,
      a2aUrl: a2a?.url,
      config,
      log,
      peer,
      mesh,
      coordination: rounds,
      stopped,
      stop
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}

function listenError(err: unknown, listen: string[]): Error {
  const message = (err as Error).message ?? String(err)
  if (
    /EADDRINUSE|address already in use/i.test(message) ||
    (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
  ) {
    return new DaemonError(
      `a listen address is already in use (${listen.join(', ')}); choose another with --listen, e.g. /ip4/0.0.0.0/tcp/0`,
      'listen_address_in_use'
    )
  }
  if (
    (err as Error).name === 'NoValidAddressesError' ||
    /no valid addresses|could not listen/i.test(message)
  ) {
    return new DaemonError(`cannot listen on ${listen.join(', ')}: ${message}`, 'listen_failed')
  }
  return err as Error
}
