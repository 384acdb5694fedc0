import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { TASK_PROTOCOL } from '@mesh-node/protocol'
import { tmpDataDir } from '../helpers/daemon.js'
import { type Installed, installed } from '../helpers/installed.js'

// The single executable (scripts/sea.sh) embeds its own Node: it runs with a
// PATH that has no Node >= 22 on it (these machines ship Node 20 in /usr/bin).
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url))
const APP = JSON.parse(readFileSync(join(ROOT, 'apps/mesh-node/package.json'), 'utf8')) as { version: string }

describe('the single executable', { timeout: 300_000 }, () => {
  const work = tmpDataDir('mesh-sea-')
  let cli: Installed

  before(() => {
    const bin = execFileSync(
      'bash',
      [join(ROOT, 'scripts/sea.sh'), '--no-build', '--out', join(work, 'out')],
      {
        env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit']
      }
    ).trim()
    assert.ok(bin.endsWith(`/mesh-node-${APP.version}-${process.platform}-${process.arch}`), bin)
    cli = installed(bin, work, { PATH: '/usr/bin:/bin' })
  })

  it('reports the Node it embeds and the protocol ids', () => {
    const res = cli.run(['version', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const info = JSON.parse(res.stdout) as {
      version: string
      node: string
      protocols: Record<string, string>
    }
    assert.equal(info.version, APP.version)
    assert.equal(info.node, process.version)
    assert.equal(info.protocols.TASK_PROTOCOL, TASK_PROTOCOL)
  })

  it('start, id, submit and stop work with no Node on PATH that could run mesh-node', async () => {
    await cli.startIdSubmitStop()
  })
})
