import { readFileSync } from 'node:fs'
import { CliError } from './errors.js'

/** Largest JSON a flag reads from a file or stdin: the API refuses bigger bodies anyway, this bounds our memory. */
export const MAX_JSON_INPUT_BYTES = 1024 * 1024

async function readStdin(flag: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_JSON_INPUT_BYTES)
      throw new CliError(`${flag} - : stdin is larger than ${MAX_JSON_INPUT_BYTES} bytes (the API's limit)`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * A JSON flag (`--input`, `--data`): JSON text, `-` for JSON on stdin, or
 * `@FILE` for a JSON file (as curl does). Absent means null.
 */
export async function readJsonInput(text: string | undefined, flag = '--input'): Promise<unknown> {
  if (text === undefined) return null
  let source = 'it'
  let json = text
  if (text === '-') {
    source = 'stdin'
    json = await readStdin(flag)
  } else if (text.startsWith('@') && text.length > 1) {
    const file = text.slice(1)
    source = file
    try {
      json = readFileSync(file, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new CliError(
        `${flag} ${text}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`
      )
    }
    if (Buffer.byteLength(json) > MAX_JSON_INPUT_BYTES)
      throw new CliError(`${flag} ${text}: the file is larger than ${MAX_JSON_INPUT_BYTES} bytes`)
  } else if (Buffer.byteLength(json) > MAX_JSON_INPUT_BYTES) {
    throw new CliError(`${flag} is larger than ${MAX_JSON_INPUT_BYTES} bytes`)
  }
  try {
    return JSON.parse(json)
  } catch (err) {
    throw new CliError(
      `${source === 'it' ? `${flag} is` : `${flag} ${text}: ${source} is`} not valid JSON (${(err as Error).message}); quote strings, e.g. ${flag} '"hello"', or pass - (stdin) or @file.json`
    )
  }
}
