import assert from 'node:assert/strict'
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { TASK_PROTOCOL } from '@mesh-node/protocol'
import { tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

// The packed CLI, installed the way a user installs it: `npm i -g` of the
// tarball into a prefix of its own, then run from outside the repository
// with a HOME of its own, so nothing of the workspace can leak in.
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url))
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`

interface Run {
  code: number
  stdout: string
  stderr: string
}

describe('the packed CLI installed with npm i -g', { timeout: 240_000 }, () => {
  const work = tmpDataDir('mesh-install-')
  const home = join(work, 'home')
  const prefix = join(work, 'prefix')
  let bin = ''
  let daemon: ChildProcess | undefined
  let daemonOutput = ''

  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, HOME: home, PATH }
    delete e.MESH_NODE_HOME
    return e
  }
  const run = (args: string[], timeoutMs = 60_000): Run => {
    const res = spawnSync(bin, args, { cwd: work, env: env(), encoding: 'utf8', timeout: timeoutMs })
    return { code: res.status ?? 1, stdout: res.stdout, stderr: res.stderr }
  }

  before(() => {
    mkdirSync(home)
    const out = join(work, 'out')
    const tgz = execFileSync('bash', [join(ROOT, 'scripts/pack.sh'), '--no-build', '--out', out], {
      env: { ...process.env, PATH },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit']
    }).trim()
    assert.match(tgz, /mesh-node-\d+\.\d+\.\d+.*\.tgz$/)
    execFileSync(
      'npm',
      ['i', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--no-update-notifier', '--offline', tgz],
      {
        cwd: work,
        env: env(),
        stdio: ['ignore', 'ignore', 'inherit']
      }
    )
    bin = join(prefix, 'bin', 'mesh-node')
  })

  after(async () => {
    if (daemon != null && daemon.exitCode == null && daemon.signalCode == null) daemon.kill('SIGKILL')
  })

  it('installs one file tree with no dependencies to fetch', () => {
    const pkgDir = join(prefix, 'lib', 'node_modules', 'mesh-node')
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>
    assert.equal(manifest.dependencies, undefined)
    assert.deepEqual(manifest.engines, { node: '>=22' })
    assert.equal(existsSync(join(pkgDir, 'node_modules')), false)
    assert.ok(existsSync(join(pkgDir, 'LICENSE')))
    assert.ok(existsSync(bin))
  })

  it('prints its version, protocol ids and Node version', () => {
    const res = run(['version', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const info = JSON.parse(res.stdout) as {
      version: string
      node: string
      protocols: Record<string, string>
    }
    const app = JSON.parse(readFileSync(join(ROOT, 'apps/mesh-node/package.json'), 'utf8')) as {
      version: string
    }
    assert.equal(info.version, app.version)
    assert.equal(info.node, process.version)
    assert.equal(info.protocols.TASK_PROTOCOL, TASK_PROTOCOL)
    const short = run(['--version'])
    assert.equal(short.code, 0, short.stderr)
    assert.ok(short.stdout.startsWith(`mesh-node ${app.version}\n`), short.stdout)
    assert.ok(short.stdout.includes(TASK_PROTOCOL))
  })

  it('start, id, submit and stop work from outside the repository', async () => {
    const config = join(work, 'config.json')
    writeFileSync(
      config,
      JSON.stringify({
        agents: [{ name: 'echo', capabilities: ['echo'], handler: { kind: 'builtin', name: 'echo' } }]
      })
    )
    // No --data-dir anywhere: the default, ~/.mesh-node, is part of what is tested.
    daemon = spawn(
      bin,
      [
        'start',
        '--config',
        config,
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--api',
        '127.0.0.1:0',
        '--mdns-tag',
        uniqueTag()
      ],
      { cwd: work, env: env(), stdio: ['ignore', 'pipe', 'pipe'] }
    )
    daemon.stdout!.on('data', (d: Buffer) => (daemonOutput += d.toString()))
    daemon.stderr!.on('data', (d: Buffer) => (daemonOutput += d.toString()))
    const exited = new Promise<number | null>((resolve) => daemon!.on('exit', (code) => resolve(code)))

    const id = await waitFor(
      () => {
        assert.equal(daemon!.exitCode, null, `daemon exited:\n${daemonOutput}`)
        const res = run(['id', '--json'], 10_000)
        return res.code === 0 ? (JSON.parse(res.stdout) as { peerId: string }) : undefined
      },
      { timeoutMs: 30_000, message: () => `the installed daemon to answer id\n${daemonOutput}` }
    )
    assert.match(id.peerId, /^12D3KooW/)
    assert.ok(readdirSync(join(home, '.mesh-node')).includes('api.token'))

    const submit = run(['submit', '--capability', 'echo', '--input', '"installed"', '--json'])
    assert.equal(submit.code, 0, `${submit.stderr}\n${daemonOutput}`)
    assert.ok(submit.stdout.includes('installed'), submit.stdout)

    const stop = run(['stop'])
    assert.equal(stop.code, 0, stop.stderr)
    assert.equal(await exited, 0, daemonOutput)
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
    const res = spawnSync(
      old,
      [join(prefix, 'lib', 'node_modules', 'mesh-node', 'bin', 'mesh-node.js'), 'start'],
      {
        cwd: work,
        env: env(),
        encoding: 'utf8'
      }
    )
    assert.equal(res.status, 1)
    assert.match(res.stderr, /mesh-node needs Node >= 22, but this is Node v\d+/)
    assert.match(res.stderr, /Install Node 22 or newer/)
  })

  it('ships a systemd unit that systemd-analyze accepts', (t) => {
    const analyze = spawnSync('systemd-analyze', ['--version'])
    if (analyze.error != null) {
      t.skip('systemd-analyze is not installed')
      return
    }
    const unit = readFileSync(join(prefix, 'lib', 'node_modules', 'mesh-node', 'mesh-node.service'), 'utf8')
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
