/** One server-sent event: `event` defaults to `message`. */
export interface SseEvent {
  event: string
  data: string
}

/**
 * A minimal text/event-stream reader (the WHATWG rules a JSON stream needs:
 * `event:` and `data:` fields, multi-line data, comments, CRLF), fed text
 * as it arrives. Used for OpenAI's token stream and SSE replies of http
 * handlers.
 */
export class SseParser {
  private buffer = ''
  private event = 'message'
  private data: string[] = []

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  push(text: string): void {
    this.buffer += text
    let nl = this.buffer.indexOf('\n')
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '')
      this.buffer = this.buffer.slice(nl + 1)
      this.line(line)
      nl = this.buffer.indexOf('\n')
    }
  }

  /** Dispatches an event left without its closing blank line. */
  end(): void {
    if (this.buffer !== '') this.line(this.buffer.replace(/\r$/, ''))
    this.buffer = ''
    this.line('')
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.event, data: this.data.join('\n') })
      this.event = 'message'
      this.data = []
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
  }
}
