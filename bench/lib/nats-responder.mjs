// The NATS side of the RPC comparison: a child process answering
// request-reply on one subject with the parsed and re-serialised payload.
// Usage: node nats-responder.mjs PORT SUBJECT. Prints "ready" once subscribed.
import { connect } from 'nats'

const [port, subject] = process.argv.slice(2)
const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false })
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const sub = nc.subscribe(subject)
await nc.flush()
process.stdout.write('ready\n')
process.stdin.on('end', () => {
  void nc.close().finally(() => process.exit(0))
})
process.stdin.resume()
for await (const m of sub) {
  m.respond(encoder.encode(JSON.stringify(JSON.parse(decoder.decode(m.data)))))
}
