import type { Part } from '@a2a-js/sdk'

// JSON values and A2A parts, both ways; shared with the A2A listener. The SDK
// is used for types only, so an idle daemon (the index exports these) does not
// load it: it costs megabytes of memory, and only A2A agents and the listener need it.

/** A JSON value as one A2A part: a string is a text part, anything else one data part. */
export function partOf(value: unknown): Part {
  return typeof value === 'string'
    ? { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' }
    : {
        content: { $case: 'data', value: value ?? null },
        metadata: undefined,
        filename: '',
        mediaType: 'application/json'
      }
}

/** Parts as one JSON value: a lone text or data part is its value, several are an array of values. */
export function valueOfParts(parts: Part[]): unknown {
  const values = parts.map((p) => {
    const c = p.content
    if (c === undefined) return null
    if (c.$case === 'raw') return { raw: Buffer.from(c.value).toString('base64'), mediaType: p.mediaType }
    if (c.$case === 'url') return { url: c.value, mediaType: p.mediaType }
    return c.value
  })
  return values.length === 1 ? values[0] : values
}
