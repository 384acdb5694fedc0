import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Key } from 'interface-datastore'
import { openDatabase, sqliteDatastore } from '../src/index.js'

describe('sqliteDatastore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-store-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('stores, reads, overwrites and deletes values', async () => {
    const db = openDatabase(join(dir, 'a.db'))
    const ds = sqliteDatastore(db)
    const key = new Key('/peers/abc')
    await ds.put(key, Uint8Array.of(1, 2, 3))
    assert.deepEqual([...(await ds.get(key))], [1, 2, 3])
    await ds.put(key, Uint8Array.of(9))
    assert.deepEqual([...(await ds.get(key))], [9])
    assert.equal(await ds.has(key), true)
    await ds.delete(key)
    assert.equal(await ds.has(key), false)
    await assert.rejects(async () => ds.get(key), { name: 'NotFoundError' })
    db.close()
  })

  it('queries by prefix without leaking sibling prefixes', async () => {
    const db = openDatabase(join(dir, 'b.db'))
    const ds = sqliteDatastore(db)
    for (const k of ['/a/1', '/a/2', '/ab/3', '/b/4']) await ds.put(new Key(k), Uint8Array.of(1))
    const keys: string[] = []
    for await (const pair of ds.query({ prefix: '/a/' })) keys.push(pair.key.toString())
    assert.deepEqual(keys, ['/a/1', '/a/2'])
    const all: string[] = []
    for await (const key of ds.queryKeys({})) all.push(key.toString())
    assert.equal(all.length, 4)
    db.close()
  })

  it('commits batches atomically and survives reopening', async () => {
    const path = join(dir, 'c.db')
    let db = openDatabase(path)
    let ds = sqliteDatastore(db, { table: 'kv' })
    const batch = ds.batch()
    batch.put(new Key('/x'), Uint8Array.of(7))
    batch.put(new Key('/y'), Uint8Array.of(8))
    batch.delete(new Key('/x'))
    await batch.commit()
    db.close()
    db = openDatabase(path)
    ds = sqliteDatastore(db, { table: 'kv' })
    assert.equal(await ds.has(new Key('/x')), false)
    assert.deepEqual([...(await ds.get(new Key('/y')))], [8])
    db.close()
  })

  it('rejects table names that are not identifiers', () => {
    const db = openDatabase(join(dir, 'd.db'))
    assert.throws(() => sqliteDatastore(db, { table: 'x; drop table y' }), /invalid datastore table name/)
    db.close()
  })
})
