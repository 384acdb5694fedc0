import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { defaultConfig, loadConfig, mergeConfig, parseHostPort, validateConfig } from '../src/index.js'

describe('config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-config-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('defaults are valid and listen on loopback for the API', () => {
    const config = validateConfig(defaultConfig())
    assert.equal(parseHostPort(config.api).host, '127.0.0.1')
    assert.equal(config.mdns.enabled, true)
  })

  it('layers defaults < file < flags, merging nested objects field by field', () => {
    const merged = mergeConfig(
      { mdns: { tag: 'from-file' }, api: '127.0.0.1:9000', listen: ['/ip4/0.0.0.0/tcp/1'] },
      { mdns: { enabled: false }, api: '127.0.0.1:0', listen: undefined }
    )
    assert.deepEqual(merged.mdns, {
      enabled: false,
      tag: 'from-file',
      intervalMs: 1000,
      maxIntervalMs: 10_000
    })
    assert.equal(merged.api, '127.0.0.1:0')
    assert.deepEqual(merged.listen, ['/ip4/0.0.0.0/tcp/1'], 'an undefined flag does not erase the file value')
    assert.equal(merged.logLevel, 'info')
  })

  it('loads DATA_DIR/config.json unless --config is given', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ logLevel: 'warn' }))
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ logLevel: 'error' }))
    assert.equal(loadConfig(dir).logLevel, 'warn')
    assert.equal(loadConfig(dir, join(dir, 'other.json')).logLevel, 'error')
    assert.equal(loadConfig(dir, join(dir, 'other.json'), { logLevel: 'debug' }).logLevel, 'debug')
  })

  it('names the source and field of each error', () => {
    assert.throws(
      () => validateConfig(mergeConfig({ listen: ['nope'] }), 'my.json'),
      /my\.json: invalid listen address "nope"/
    )
    assert.throws(
      () => validateConfig(mergeConfig({ bootstrap: ['/ip4/1.2.3.4/tcp/1'] })),
      /must end with \/p2p\/<peer id>/
    )
    assert.throws(
      () => validateConfig(mergeConfig({ mdns: { tag: 'has spaces' } })),
      /mdns\.tag "has spaces"/
    )
    assert.throws(() => validateConfig(mergeConfig({ logLevel: 'loud' as 'info' })), /logLevel/)
    assert.throws(
      () => loadConfig(dir, undefined, { listen: ['bad'] }),
      /command line: invalid listen address "bad"/
    )
  })

  it('parses host:port including IPv6 and rejects out-of-range ports', () => {
    assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 })
    assert.deepEqual(parseHostPort('127.0.0.1:0'), { host: '127.0.0.1', port: 0 })
    assert.throws(() => parseHostPort('127.0.0.1:70000'), /HOST:PORT/)
    assert.throws(() => parseHostPort('127.0.0.1'), /HOST:PORT/)
  })
})
