import type { PrivateKey } from '@libp2p/interface'
import type { AgentRuntime, AgentSpec } from '@mesh-node/agents'
import type { MeshConfig } from '@mesh-node/config'
import type { Health, NodeNames } from '@mesh-node/control-api'
import type { Coordination } from '@mesh-node/coordination'
import type { TaskDispatcher, TaskStore, TraceStore } from '@mesh-node/dispatch'
import type { EventHub } from '@mesh-node/events'
import type { TaskJournal } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import type { Messaging } from '@mesh-node/messaging'
import type { MeshMetrics } from '@mesh-node/metrics'
import type { MeshPeer } from '@mesh-node/peer'
import type { DataDirPaths } from '../data-dir.js'
import type { Logger } from '../logger.js'

/** What a start reads before it takes the data dir: a bad config or key file fails here, holding nothing. */
export interface StartPlan {
  paths: DataDirPaths
  config: MeshConfig
  nodeName: string
  /** Relative handler paths (exec cwd, module path) are relative to the config file. */
  agentBaseDir: string
  agentSpecs: AgentSpec[]
  swarmKey?: Uint8Array
  prettyLogs?: boolean
  startedAt: number
}

/** The running parts of a node, before its API opens. */
export interface NodeParts {
  plan: StartPlan
  log: Logger
  privateKey: PrivateKey
  metrics: MeshMetrics
  peer: MeshPeer
  runtime: AgentRuntime
  journal: TaskJournal
  health: Health
  events: EventHub
  mesh: Mesh
  names: NodeNames
  traces: TraceStore
  dispatcher: TaskDispatcher
  rounds: Coordination
  bus: Messaging
  seen: TaskStore
  scopedTokens: ReadonlyMap<string, string>
  /** Set once the API listens: exec agents are told where it is. */
  apiAddress: { url: string }
}

/** The parts the services step starts. */
export type ServiceParts = Pick<
  NodeParts,
  'mesh' | 'names' | 'traces' | 'dispatcher' | 'rounds' | 'bus' | 'seen'
>
