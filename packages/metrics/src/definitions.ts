import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Seconds: from a few ms (an echo on loopback) to the longest task timeout. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

type Registers = Registry[]

/** What happened to the tasks this node accepted as origin, and to what it ran or relayed for others. */
function taskMetrics(prefix: string, registers: Registers) {
  return {
    tasksAccepted: new Counter({
      name: `${prefix}tasks_accepted_total`,
      help: 'Tasks this node accepted as origin, by capability',
      labelNames: ['capability'],
      registers
    }),
    tasksFinished: new Counter({
      name: `${prefix}tasks_total`,
      help: 'Tasks this node accepted that finished, by capability and outcome (completed, failed, cancelled)',
      labelNames: ['capability', 'outcome'],
      registers
    }),
    taskDuration: new Histogram({
      name: `${prefix}task_duration_seconds`,
      help: 'Time from accept to done of tasks this node accepted, by capability and outcome',
      labelNames: ['capability', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers
    }),
    attempts: new Counter({
      name: `${prefix}task_attempts_total`,
      help: 'Attempts on executors of tasks this node accepted, by capability and outcome (completed, failed, busy, no_agent, lost, timeout, cancelled)',
      labelNames: ['capability', 'outcome'],
      registers
    }),
    attemptDuration: new Histogram({
      name: `${prefix}task_attempt_duration_seconds`,
      help: 'Duration of one attempt on one executor, by capability and outcome',
      labelNames: ['capability', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers
    }),
    executions: new Counter({
      name: `${prefix}executions_total`,
      help: 'Tasks handled here for any origin, by role (executor, forwarder), capability and outcome',
      labelNames: ['role', 'capability', 'outcome'],
      registers
    }),
    inFlight: new Gauge({
      name: `${prefix}tasks_in_flight`,
      help: 'Tasks this node accepted that are assigned to or running on an executor',
      registers
    }),
    queued: new Gauge({
      name: `${prefix}tasks_queued`,
      help: 'Tasks this node accepted that wait for an executor (queue depth)',
      registers
    })
  }
}

/** Gossip and streamed pieces: what arrived and what was dropped. */
function gossipMetrics(prefix: string, registers: Registers) {
  return {
    gossipMessages: new Counter({
      name: `${prefix}gossip_messages_received_total`,
      help: 'Gossip messages received, by topic',
      labelNames: ['topic'],
      registers
    }),
    gossipBytes: new Counter({
      name: `${prefix}gossip_bytes_received_total`,
      help: 'Payload bytes of gossip messages received, by topic',
      labelNames: ['topic'],
      registers
    }),
    piecesDropped: new Counter({
      name: `${prefix}pieces_dropped_total`,
      help: 'Streamed task pieces this node dropped, by reason (too_large, task_rate, peer_rate, backpressure, not_executor, refused)',
      labelNames: ['reason'],
      registers
    }),
    resultsRejected: new Counter({
      name: `${prefix}results_rejected_total`,
      help: 'Inbound results (answers and late deliveries) this origin did not believe, by reason (forged_result, unknown_token, unsigned_foreign, not_sent)',
      labelNames: ['reason'],
      registers
    })
  }
}

/** The mesh as this node sees it: agents, members, connections. */
function meshMetrics(prefix: string, registers: Registers) {
  return {
    agentRunning: new Gauge({
      name: `${prefix}agent_running`,
      help: 'Tasks running on an agent, as last announced, by peer and agent',
      labelNames: ['peer', 'agent', 'local'],
      registers
    }),
    agentCapacity: new Gauge({
      name: `${prefix}agent_capacity`,
      help: 'Tasks an agent runs at once, by peer and agent',
      labelNames: ['peer', 'agent', 'local'],
      registers
    }),
    members: new Gauge({
      name: `${prefix}members`,
      help: 'Mesh members known to the failure detector, by state (alive, suspect, dead)',
      labelNames: ['state'],
      registers
    }),
    connections: new Gauge({
      name: `${prefix}connections`,
      help: 'Open libp2p connections',
      registers
    })
  }
}

/** What the task journal holds on disk. */
function journalMetrics(prefix: string, registers: Registers) {
  return {
    journalBytes: new Gauge({
      name: `${prefix}journal_bytes`,
      help: 'Bytes the task journal takes on disk (database and write-ahead log)',
      registers
    }),
    journalRows: new Gauge({
      name: `${prefix}journal_rows`,
      help: 'Journal rows: tasks by status, outbox entries, executions',
      labelNames: ['kind'],
      registers
    })
  }
}

/** Every metric this package owns, registered on one registry. */
export function defineMetrics(registry: Registry, prefix: string) {
  const registers = [registry]
  return {
    ...taskMetrics(prefix, registers),
    ...gossipMetrics(prefix, registers),
    ...meshMetrics(prefix, registers),
    ...journalMetrics(prefix, registers)
  }
}

export type MetricSet = ReturnType<typeof defineMetrics>
