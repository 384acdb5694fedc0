// The physical floor of the RPC comparison: a child process echoing
// newline-delimited JSON on a persistent TCP socket (parse and re-serialise,
// as the other two systems do). Prints its port on stdout; exits when its
// parent goes away.
import { createServer } from 'node:net'

const server = createServer((socket) => {
  socket.setNoDelay(true)
  let buffer = ''
  socket.on('data', (chunk) => {
    buffer += chunk.toString()
    let cut = buffer.indexOf('\n')
    let out = ''
    while (cut >= 0) {
      out += JSON.stringify(JSON.parse(buffer.slice(0, cut))) + '\n'
      buffer = buffer.slice(cut + 1)
      cut = buffer.indexOf('\n')
    }
    if (out !== '') socket.write(out)
  })
  socket.on('error', () => socket.destroy())
})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`)
})
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
