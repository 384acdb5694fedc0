import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { TASK_PROTOCOL } from '@mesh-node/protocol'
import { tmpDataDir } from '../helpers/daemon.js'
import { type Installed, installed } from '../helpers/installed.js'

// The packed CLI, installed the way a user installs it: `npm i -g` of the
// tarball into a prefix of its own, then run from outside the repository.
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url))
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`
const APP = JSON.parse(readFileSync(join(ROOT, 'apps/mesh-node/package.json'), 'utf8')) as { version: string }

describe('the packed CLI installed with npm i -g', { timeout: 300_000 }, () => {
  const work = tmpDataDir('mesh-install-')
  const prefix = join(work, 'prefix')
  const pkgDir = join(prefix, 'lib', 'node_modules', 'mesh-node')
  const bin = join(prefix, 'bin', 'mesh-node')
  let cli: Installed

  before(() => {
    const tgz = execFileSync(
      'bash',
      [join(ROOT, 'scripts/pack.sh'), '--no-build', '--out', join(work, 'out')],
      {
        env: { ...process.env, PATH },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit']
      }
    ).trim()
    assert.ok(tgz.endsWith(`/mesh-node-${APP.version}.tgz`), tgz)
    const npm = [
      'i',
      '-g',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      '--offline'
    ]
    execFileSync('npm', [...npm, tgz], { cwd: work, env: { ...process.env, PATH }, stdio: 'ignore' })
    cli = installed(bin, work, { ...process.env, PATH })
  })

  it('installs one file tree with no dependencies to fetch', () => {
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>
    assert.equal(manifest.dependencies, undefined)
    assert.deepEqual(manifest.engines, { node: '>=22' })
    assert.equal(existsSync(join(pkgDir, 'node_modules')), false)
    assert.ok(existsSync(join(pkgDir, 'LICENSE')))
    assert.ok(existsSync(bin))
  })

  it('prints its version, protocol ids and Node version', () => {
    const res = cli.run(['version', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const info = JSON.parse(res.stdout) as {
      version: string
      node: string
      protocols: Record<string, string>
      topics: Record<string, string>
    }
    assert.equal(info.version, APP.version)
    assert.equal(info.node, process.version)
    assert.equal(info.protocols.TASK_PROTOCOL, TASK_PROTOCOL)
    assert.equal(info.protocols.TOPICS_PROTOCOL, '/agent-mesh/topics/1.0.0')
    assert.equal(info.topics.USER_TOPIC, 'agent-mesh/user/1/')
    const short = cli.run(['--version'])
    assert.equal(short.code, 0, short.stderr)
    assert.ok(short.stdout.startsWith(`mesh-node ${APP.version}\n`), short.stdout)
    assert.ok(short.stdout.includes(TASK_PROTOCOL))
  })

  it('start, id, submit and stop work from outside the repository', async () => {
    await cli.startIdSubmitStop()
  })

  it('refuses an old Node with a message that says what to do', (t) => {
    // Only where an old Node exists to try it with (these machines ship Node 20).
    const old = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
      if (!existsSync(p)) return false
      const major = Number(
        spawnSync(p, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout
      )
      return major > 0 && major < 22
    })
    if (old == null) {
      t.skip('no Node older than 22 on this machine')
      return
    }
    const res = spawnSync(old, [join(pkgDir, 'bin', 'mesh-node.js'), 'start'], {
      cwd: work,
      encoding: 'utf8'
    })
    assert.equal(res.status, 1)
    assert.match(res.stderr, /mesh-node needs Node >= 22, but this is Node v\d+/)
    assert.match(res.stderr, /Install Node 22 or newer/)
  })

  it('ships a systemd unit that systemd-analyze accepts', (t) => {
    if (spawnSync('systemd-analyze', ['--version']).error != null) {
      t.skip('systemd-analyze is not installed')
      return
    }
    const unit = readFileSync(join(pkgDir, 'mesh-node.service'), 'utf8')
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/mesh-node start /m)
    for (const key of [
      'DynamicUser=yes',
      'StateDirectory=mesh-node',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes'
    ]) {
      assert.ok(unit.includes(`\n${key}\n`), key)
    }
    assert.match(unit, /^Restart=on-failure$/m)
    // verify checks that ExecStart exists, so point it at the installed bin.
    const copy = join(work, 'mesh-node.service')
    writeFileSync(copy, unit.replace('/usr/local/bin/mesh-node', bin))
    const res = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' })
    assert.equal(res.status, 0, res.stderr)
    assert.equal(res.stderr.trim(), '')
  })
})
