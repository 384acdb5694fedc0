import type { LogLevel } from '@mesh-node/config'
import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'

export type { Logger }

/** Readable lines when asked, or by default when stdout is a terminal. */
export function usePrettyLogs(pretty?: boolean): boolean {
  return pretty ?? process.stdout.isTTY === true
}

/**
 * JSON lines for machines, readable lines on a terminal: one line per
 * entry, fields inline. Synchronous output, so the last lines before a
 * crash are not lost in a worker thread.
 */
export function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Logger {
  if (usePrettyLogs(options.pretty)) {
    return pino(
      { level },
      pretty({
        sync: true,
        colorize: true,
        singleLine: true,
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname'
      })
    )
  }
  return pino(
    { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ sync: true })
  )
}
