import type { HandlerContext } from '@mesh-node/sdk'

const PREFIXES = ['{"type":"progress"', '{"type":"partial"'] as const

/**
 * Splits a handler's line output into streamed pieces and everything else.
 * A piece is one line that starts exactly with `{"type":"progress"` or
 * `{"type":"partial"` and is a JSON object; it goes to `ctx.emit` with its
 * other fields as the data, at once. Every other line is kept, in order, and
 * `rest()` gives them back: with exec, the final JSON value, as before
 * pieces existed. Used by exec (stdout) and http (NDJSON responses).
 */
export class PieceLines {
  private pending = ''
  private kept: string[] = []

  constructor(private readonly emit: HandlerContext['emit']) {}

  push(text: string): void {
    const lines = (this.pending + text).split('\n')
    this.pending = lines.pop() ?? ''
    for (const line of lines) if (!this.piece(line)) this.kept.push(`${line}\n`)
  }

  /** What was not a piece (the last line included, even without a newline). */
  rest(): string {
    if (this.pending !== '' && !this.piece(this.pending)) this.kept.push(this.pending)
    this.pending = ''
    return this.kept.join('')
  }

  private piece(line: string): boolean {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line
    if (!PREFIXES.some((p) => text.startsWith(p))) return false
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return false
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
    const { type, ...data } = value as { type: 'progress' | 'partial' }
    this.emit(type, data)
    return true
  }
}
