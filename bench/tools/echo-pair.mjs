#!/usr/bin/env node
// The transport floor: two mesh peers (TCP + noise + yamux, no mesh code) in
// two processes, one long-lived stream, length-prefixed echo of ~100 bytes.
// Prints p50/p99 one at a time and throughput at 1, 8 and 64 in flight, to
// compare transport changes (the patches in patches/) A/B on one machine.
// Usage: node bench/tools/echo-pair.mjs [requests=3000]; ECHO_BYTES=n echoes a JSON body of
// about n bytes instead (the server parses what it echoes) (noise encrypts messages of 1200 bytes and more with node:crypto, smaller
// ones with its wasm cipher, so a patch may touch only one of the two).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const at = (path) => new URL(`../../${path}`, import.meta.url).href
const { createMeshPeer } = await import(at('packages/peer/dist/src/index.js'))
const { generateKeyPair } = await import(
  at('packages/peer/node_modules/@libp2p/crypto/dist/src/keys/index.js')
)
// pnpm's hoisted copy: the one libp2p itself resolves.
const { multiaddr } = await import(
  at('node_modules/.pnpm/node_modules/@multiformats/multiaddr/dist/src/index.js')
)
const PROTOCOL = '/bench/echo/1.0.0'

async function peer() {
  return await createMeshPeer({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: { enabled: false }
  })
}

/** 4-byte length prefix; yields whole messages from a v3 stream. */
async function* messages(stream) {
  let buf = Buffer.alloc(0)
  for await (const chunk of stream) {
    buf = Buffer.concat([buf, chunk.subarray()])
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const n = buf.readUInt32BE(0)
      yield buf.subarray(4, 4 + n)
      buf = buf.subarray(4 + n)
    }
  }
}
const frame = (body) => {
  const out = Buffer.alloc(4 + body.length)
  out.writeUInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

if (process.argv[2] === 'server') {
  const p = await peer()
  await p.libp2p.handle(PROTOCOL, async (stream) => {
    for await (const m of messages(stream)) stream.send(frame(Buffer.from(JSON.stringify(JSON.parse(m)))))
  })
  process.send(p.libp2p.getMultiaddrs()[0].toString())
} else {
  const requests = Number(process.argv[2] ?? 3000)
  const server = fork(fileURLToPath(import.meta.url), ['server'])
  const addr = await new Promise((resolve) => server.once('message', resolve))
  const p = await peer()
  const stream = await p.libp2p.dialProtocol(multiaddr(addr), PROTOCOL)
  const waiting = []
  ;(async () => {
    for await (const _ of messages(stream)) waiting.shift()()
  })()
  const body =
    process.env.ECHO_BYTES != null
      ? Buffer.from(JSON.stringify({ pad: 'x'.repeat(Math.max(0, Number(process.env.ECHO_BYTES) - 10)) }))
      : Buffer.from(
          JSON.stringify({
            kind: 'bench',
            n: 42,
            text: 'the quick brown fox jumps over the lazy dog 0123456789'
          })
        )
  const call = () =>
    new Promise((resolve) => {
      waiting.push(resolve)
      stream.send(frame(body))
    })
  const pct = (a, q) => a.sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * q))]
  for (let i = 0; i < 500; i++) await call()
  const lat = []
  for (let i = 0; i < requests; i++) {
    const t = performance.now()
    await call()
    lat.push(performance.now() - t)
  }
  const out = { p50: +pct(lat, 0.5).toFixed(4), p99: +pct(lat, 0.99).toFixed(4) }
  for (const inflight of [1, 8, 64]) {
    let done = 0
    const end = performance.now() + 1500
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (performance.now() < end) {
          await call()
          done++
        }
      })
    )
    out[`perS${inflight}`] = Math.round(done / ((performance.now() - t0) / 1000))
  }
  console.log(JSON.stringify(out))
  await p.stop()
  server.kill('SIGTERM')
  process.exit(0)
}
