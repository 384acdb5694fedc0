import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeFrame, FrameDecoder, FrameTooLargeError, MalformedFrameError } from '../src/index.js'

const text = new TextDecoder()

describe('framing', () => {
  it('round-trips frames split at every byte boundary', () => {
    const a = encodeFrame({ type: 'x', n: 1 })
    const b = encodeFrame({ type: 'y', s: 'é'.repeat(200) })
    const all = new Uint8Array([...a, ...b])
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new FrameDecoder()
      const frames = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))]
      assert.deepEqual(
        frames.map((f) => JSON.parse(text.decode(f))),
        [
          { type: 'x', n: 1 },
          { type: 'y', s: 'é'.repeat(200) }
        ]
      )
      assert.equal(d.pending, 0)
    }
  })

  it('decodes a 1 MiB frame sent in 64-byte chunks in linear time', () => {
    const frame = encodeFrame({ blob: 'z'.repeat(1024 * 1024 - 64) })
    const d = new FrameDecoder(2 * 1024 * 1024)
    const started = process.cpuUsage()
    const frames: Uint8Array[] = []
    for (let at = 0; at < frame.length; at += 64) frames.push(...d.push(frame.subarray(at, at + 64)))
    const cpu = process.cpuUsage(started)
    assert.equal(frames.length, 1)
    assert.equal((JSON.parse(text.decode(frames[0])) as { blob: string }).blob.length, 1024 * 1024 - 64)
    assert.equal(d.pending, 0)
    // Recopying the buffer per chunk took 5.8 s of CPU here; one copy takes a few ms.
    const ms = (cpu.user + cpu.system) / 1000
    assert.ok(ms < 1000, `decoding took ${ms.toFixed(0)} ms of CPU`)
  })

  it('uses a varint prefix that multi-byte lengths encode correctly', () => {
    const frame = encodeFrame('a'.repeat(300))
    // 302 bytes of JSON (quotes included) = 0xAE 0x02
    assert.deepEqual([frame[0], frame[1]], [0xae, 0x02])
  })

  it('rejects a declared length over the limit before buffering it', () => {
    const d = new FrameDecoder(100)
    assert.throws(() => d.push(encodeFrame('x'.repeat(200)).subarray(0, 3)), FrameTooLargeError)
  })

  it('rejects an over-long varint', () => {
    assert.throws(
      () => new FrameDecoder().push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)),
      MalformedFrameError
    )
  })
})
