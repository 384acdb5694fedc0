// What signing results costs (PROTOCOL.md §6.9): per result, the executor's
// sign plus the origin's verify (each hashes the canonical JSON of the answer
// and runs Ed25519), against hashing the same answer with sha256 only, in the
// same process and run. In-process, no daemons: this is CPU per result.
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { log, round, summarize } from '../lib/util.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const load = async (rel) => await import(pathToFileURL(join(ROOT, rel)).href)

const SIZES = [
  { label: '1KB', bytes: 1024 },
  { label: '64KB', bytes: 64 * 1024 },
  { label: '1MB', bytes: 1024 * 1024 }
]

/** Microseconds per call of `fn`, median of `runs` batches of `n` calls. */
async function usPerCall(fn, n, runs) {
  const batches = []
  for (let r = 0; r < runs; r++) {
    const t = performance.now()
    for (let i = 0; i < n; i++) await fn(i)
    batches.push(((performance.now() - t) * 1000) / n)
  }
  return summarize(batches).p50
}

export async function signingSuite({ cfg }) {
  const { signResult, verifyResult, canonicalJson } = await load('packages/task-relay/dist/src/signing.js')
  const { generateKeyPair } = await load('packages/tasks/node_modules/@libp2p/crypto/dist/src/keys/index.js')
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
  const { createHash } = await import('node:crypto')
  const key = await generateKeyPair('Ed25519')
  const executor = peerIdFromPrivateKey(key).toString()
  const token = 'A'.repeat(22)
  const entries = []
  for (const { label, bytes } of SIZES) {
    const n = Math.max(1, Math.round(cfg.iterations * (1024 / bytes) ** 0.5))
    const r = {
      taskId: 'bench-task',
      status: 'completed',
      result: { data: 'x'.repeat(bytes) },
      executor,
      agent: 'echo',
      path: [executor]
    }
    // Warm up JIT and caches, then check that what is measured verifies.
    const sig = await signResult(key, token, r)
    if (!(await verifyResult(token, { ...r, sig }))) throw new Error('a signed result did not verify')
    const signed = await usPerCall(
      async () => {
        const s = await signResult(key, token, r)
        await verifyResult(token, { ...r, sig: s })
      },
      n,
      cfg.runs
    )
    const hashOnly = await usPerCall(
      () => createHash('sha256').update(canonicalJson(r.result)).digest('hex'),
      n,
      cfg.runs
    )
    log(
      `  signing ${label}: sign+verify ${round(signed)} µs, sha256 only ${round(hashOnly)} µs (${n} × ${cfg.runs})`
    )
    entries.push({
      metric: `signing.sign_verify_${label.toLowerCase()}_us`,
      value: signed,
      unit: 'µs',
      baseline: 'sha256 of the canonical JSON only',
      baselineValue: hashOnly,
      params: { size: label, calls: n, runs: cfg.runs, key: 'Ed25519' }
    })
  }
  return entries
}
