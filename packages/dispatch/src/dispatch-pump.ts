/** Most dispatches one node has out in the mesh at once; the rest wait their turn, journaled. */
export const DEFAULT_MAX_IN_FLIGHT = 256
/** Dispatches started per event-loop turn while submits are still being accepted. */
export const DEFAULT_STARTS_PER_INTAKE_TURN = 1
/** Dispatches started per turn otherwise: a turn that starts hundreds keeps everything else waiting. */
export const DEFAULT_MAX_STARTS_PER_TURN = 8
/** The intake counts as busy for this long after a group of accepts. */
export const INTAKE_WINDOW_MS = 100
/** Past this many accepted tasks waiting for their turn, intake gets no priority. */
export const DEFAULT_MAX_BACKLOG = 10_000
/** Past this many waiting their turn, a node accepts no more tasks until some have gone out. */
export const DEFAULT_MAX_QUEUED = 100_000

/** A submit refused because this node's backlog of tasks waiting to be dispatched is full. */
export class BacklogFullError extends Error {
  override name = 'BacklogFullError'
  readonly code = 'backlog_full'
  constructor(readonly backlog: number) {
    super(
      `this node has ${backlog} accepted tasks waiting to go into the mesh, its most; retry in a moment, or submit through another node`
    )
  }
}

export interface DispatchPumpInit {
  /** @default DEFAULT_MAX_IN_FLIGHT */
  maxInFlight?: number
  /** @default DEFAULT_STARTS_PER_INTAKE_TURN */
  startsPerIntakeTurn?: number
  /** @default DEFAULT_MAX_STARTS_PER_TURN */
  maxStartsPerTurn?: number
  /** @default DEFAULT_MAX_BACKLOG */
  maxBacklog?: number
  /** @default DEFAULT_MAX_QUEUED */
  maxQueued?: number
}

/** One accepted task's dispatch, started when the pump gives it its turn. */
export type DispatchJob = () => Promise<void>

/**
 * The pace at which accepted tasks go into the mesh. Accepting a task costs
 * about 0.15 ms of CPU and dispatching it about 1 ms (route, sign, send, read
 * the answer, journal it), on the same event loop: if every accept started its
 * dispatch at once, a burst of submits would wait behind the dispatches of the
 * submits before them. So while submits keep arriving, each turn of the loop
 * starts only a few dispatches, and the backlog (durable in the journal
 * already) drains at full speed once the burst ends. The total work is the
 * same; producers get their 202 sooner. Past `maxBacklog` waiting tasks the
 * intake loses its priority, so a sustained overload slows the producers
 * (their answers wait) instead of growing the backlog without end.
 * Dispatches are started in order of acceptance, at most `maxInFlight` at once.
 */
export class DispatchPump {
  private readonly maxInFlight: number
  private readonly startsPerIntakeTurn: number
  private readonly maxStartsPerTurn: number
  private readonly maxBacklog: number
  private readonly maxQueued: number
  private readonly ready: DispatchJob[] = []
  /** Index of the next job in `ready`: a shift per start would copy the array. */
  private head = 0
  private inFlight = 0
  private scheduled = false
  /** When the last group of accepts committed (performance.now()). */
  private intakeAt = Number.NEGATIVE_INFINITY
  private stopped = false

  constructor(init: DispatchPumpInit = {}) {
    this.maxInFlight = Math.max(1, init.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)
    this.startsPerIntakeTurn = Math.max(1, init.startsPerIntakeTurn ?? DEFAULT_STARTS_PER_INTAKE_TURN)
    this.maxStartsPerTurn = Math.max(1, init.maxStartsPerTurn ?? DEFAULT_MAX_STARTS_PER_TURN)
    this.maxBacklog = Math.max(0, init.maxBacklog ?? DEFAULT_MAX_BACKLOG)
    this.maxQueued = Math.max(1, init.maxQueued ?? DEFAULT_MAX_QUEUED)
  }

  /** Throws BacklogFullError when no more tasks may be accepted here for now. */
  assertRoom(): void {
    if (this.backlog >= this.maxQueued) throw new BacklogFullError(this.backlog)
  }

  /** Tasks accepted and waiting for their dispatch to start. */
  get backlog(): number {
    return this.ready.length - this.head
  }

  get running(): number {
    return this.inFlight
  }

  /** Submits were just accepted (one group commit): the intake is busy for a while. */
  accepted(count: number): void {
    if (count > 0) this.intakeAt = performance.now()
  }

  /** Queues a dispatch; it starts in acceptance order, when the pump gives it its turn (never refused: the task is accepted). */
  enqueue(job: DispatchJob): void {
    if (this.stopped) return
    this.ready.push(job)
    this.schedule()
  }

  /** Drops the jobs not started: their tasks stay in the journal and resume at the next start. */
  stop(): void {
    this.stopped = true
    this.ready.length = 0
    this.head = 0
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return
    this.scheduled = true
    setImmediate(() => this.pump())
  }

  private pump(): void {
    this.scheduled = false
    const busyIntake = performance.now() - this.intakeAt < INTAKE_WINDOW_MS && this.backlog < this.maxBacklog
    let starts = busyIntake ? this.startsPerIntakeTurn : this.maxStartsPerTurn
    while (starts-- > 0 && this.inFlight < this.maxInFlight && this.head < this.ready.length) {
      const job = this.ready[this.head] as DispatchJob
      this.ready[this.head++] = noop
      this.inFlight++
      // A job handles its own failures; this catch only keeps one from going unhandled.
      void job()
        .catch(() => {})
        .finally(() => {
          this.inFlight--
          this.schedule()
        })
    }
    if (this.head === this.ready.length) {
      this.ready.length = 0
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready.splice(0, this.head)
      this.head = 0
    }
    // Jobs are left (the intake is busy, or this turn started its most): look again next turn.
    if (this.backlog > 0 && this.inFlight < this.maxInFlight) this.schedule()
  }
}

const noop: DispatchJob = async () => {}
