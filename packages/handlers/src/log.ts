export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
/** How handlers and the runtime log without depending on a logger library; the daemon adapts pino to it. */
export type RuntimeLog = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void
