import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { acquireLock, dataDirPaths, initDataDir, loadOrCreateIdentity } from '../src/index.js'

describe('data dir', () => {
  const root = mkdtempSync(join(tmpdir(), 'mesh-datadir-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  it('init creates a 0600 identity and a config, and keeps them on a second run', async () => {
    const dir = join(root, 'a', 'nested')
    const first = await initDataDir(dir)
    assert.equal(first.created, true)
    assert.equal(statSync(join(dir, 'identity.key')).mode & 0o777, 0o600)
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    writeFileSync(join(dir, 'config.json'), '{"logLevel":"warn"}')
    const second = await initDataDir(dir)
    assert.equal(second.created, false)
    assert.equal(second.peerId, first.peerId)
    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), '{"logLevel":"warn"}', 'config kept')
  })

  it('tightens an identity file that others can read', async () => {
    const dir = join(root, 'b')
    await initDataDir(dir)
    chmodSync(join(dir, 'identity.key'), 0o644)
    await loadOrCreateIdentity(dataDirPaths(dir))
    assert.equal(statSync(join(dir, 'identity.key')).mode & 0o777, 0o600)
  })

  it('rejects a corrupt identity with a clear error', async () => {
    const dir = join(root, 'c')
    await initDataDir(dir)
    writeFileSync(join(dir, 'identity.key'), 'garbage')
    await assert.rejects(loadOrCreateIdentity(dataDirPaths(dir)), /identity file .* is unreadable or corrupt/)
  })

  it('locks: refuses a live owner, takes over a dead one, releases on request', () => {
    const dir = join(root, 'd')
    const paths = dataDirPaths(dir)
    // pid 1 is always alive, and never ours.
    writeFileSync(join(root, 'd-lock'), '1\n')
    assert.throws(
      () => acquireLock(join(root, 'd-lock'), dir),
      /in use by another mesh-node daemon \(pid 1\)/
    )
    // A pid that cannot exist stands for a crashed daemon.
    writeFileSync(join(root, 'd-lock'), '2147483646\n')
    const lock = acquireLock(join(root, 'd-lock'), dir)
    assert.equal(readFileSync(join(root, 'd-lock'), 'utf8').trim(), String(process.pid))
    lock.release()
    assert.equal(existsSync(join(root, 'd-lock')), false)
    assert.ok(paths.lock.endsWith('daemon.lock'))
  })
})
