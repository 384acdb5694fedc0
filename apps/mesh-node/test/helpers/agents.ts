import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Writes a small exec agent (run with this Node) and returns its command. */
export function execAgent(dir: string, name: string, body: string): string[] {
  const file = join(dir, `${name}.mjs`)
  writeFileSync(
    file,
    `let data = ''\nprocess.stdin.on('data', (c) => { data += c })\nprocess.stdin.on('end', async () => {\n  const req = JSON.parse(data)\n${body}\n})\n`
  )
  return [process.execPath, file]
}
