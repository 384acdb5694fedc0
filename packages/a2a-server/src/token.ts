import { randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'

/** The A2A bearer token in `path` (mode 0600), made on first use. */
export function loadOrCreateToken(path: string): string {
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim()
    if (token.length >= 32) {
      chmodSync(path, 0o600)
      return token
    }
  }
  const token = randomBytes(32).toString('base64url')
  writeFileSync(path, `${token}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
  return token
}

/** Whether an Authorization header carries exactly this bearer token (constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? '')
  if (match?.[1] == null) return false
  const given = Buffer.from(match[1].trim())
  const want = Buffer.from(token)
  return given.length === want.length && timingSafeEqual(given, want)
}
