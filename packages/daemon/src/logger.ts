import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'
import type { LogLevel } from './config.js'

export type { Logger }

/**
 * JSON lines for machines, readable lines on a terminal. Synchronous output,
 * so the last lines before a crash are not lost in a worker thread.
 */
export function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Logger {
  const usePretty = options.pretty ?? process.stdout.isTTY === true
  if (usePretty) {
    return pino(
      { level },
      pretty({ sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' })
    )
  }
  return pino(
    { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ sync: true })
  )
}
