// Tiny network probes for scripts/netns (run inside a host with `mesh-net.sh exec`).
// Works on any Node >= 18, no dependencies.
//
//   node netprobe.mjs tcp-serve PORT                 listen on 0.0.0.0:PORT, answer "pong <addr>"
//   node netprobe.mjs tcp-probe HOST PORT [MS]       connect; prints "ok" (exit 0), an error code such as
//                                                    EHOSTUNREACH (exit 1) or TIMEOUT after MS ms (exit 2)
//   node netprobe.mjs mcast-peer GROUP PORT [MS]     join GROUP:PORT, send a datagram every 100 ms for MS ms
//                                                    (default 1500), print the sorted addresses heard from
//                                                    (own datagrams excluded), space-separated
import dgram from 'node:dgram'
import net from 'node:net'
import os from 'node:os'

const [cmd, ...args] = process.argv.slice(2)

function fail(msg) {
  process.stderr.write(`netprobe: ${msg}\n`)
  process.exit(64)
}

function ownAddresses() {
  const out = new Set()
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4') out.add(a.address)
  }
  return out
}

if (cmd === 'tcp-serve') {
  const port = Number(args[0])
  if (!port) fail('usage: tcp-serve PORT')
  const server = net.createServer((sock) => {
    sock.on('error', () => {}) // probes reset the connection at once
    sock.end(`pong ${sock.localAddress}\n`)
  })
  server.listen(port, '0.0.0.0', () => process.stdout.write(`listening 0.0.0.0:${port}\n`))
} else if (cmd === 'tcp-probe') {
  const [host, portArg, msArg] = args
  const port = Number(portArg)
  const ms = Number(msArg ?? 2000)
  if (!host || !port) fail('usage: tcp-probe HOST PORT [MS]')
  const started = Date.now()
  const sock = net.connect({ host, port })
  const timer = setTimeout(() => {
    process.stdout.write(`TIMEOUT ${Date.now() - started}ms\n`)
    process.exit(2)
  }, ms)
  sock.once('connect', () => {
    clearTimeout(timer)
    process.stdout.write(`ok ${Date.now() - started}ms\n`)
    sock.destroy()
    process.exit(0)
  })
  sock.once('error', (err) => {
    clearTimeout(timer)
    process.stdout.write(`${err.code ?? err.message} ${Date.now() - started}ms\n`)
    process.exit(1)
  })
} else if (cmd === 'mcast-peer') {
  const [group, portArg, msArg] = args
  const port = Number(portArg)
  const ms = Number(msArg ?? 1500)
  if (!group || !port) fail('usage: mcast-peer GROUP PORT [MS]')
  const own = ownAddresses()
  const heard = new Set()
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  sock.on('message', (_msg, rinfo) => {
    if (!own.has(rinfo.address)) heard.add(rinfo.address)
  })
  sock.bind(port, '0.0.0.0', () => {
    sock.addMembership(group)
    sock.setMulticastTTL(1)
    sock.setMulticastLoopback(false)
    const payload = Buffer.from('netprobe')
    const tick = setInterval(() => sock.send(payload, port, group), 100)
    setTimeout(() => {
      clearInterval(tick)
      // a short grace period for the last datagrams in flight
      setTimeout(() => {
        process.stdout.write(`${[...heard].sort().join(' ')}\n`)
        sock.close()
      }, 150)
    }, ms)
  })
} else {
  fail('usage: netprobe.mjs tcp-serve|tcp-probe|mcast-peer ...')
}
