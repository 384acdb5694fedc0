import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BIN, type CliResult, tmpDataDir, track } from './daemon.js'
import { waitFor } from './wait.js'

const MESH_NET = fileURLToPath(new URL('../../../../../scripts/netns/mesh-net.sh', import.meta.url))

/** Why namespaced tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (!existsSync(MESH_NET)) return `${MESH_NET} is missing`
  const res = spawnSync('bash', [MESH_NET, 'check'], { encoding: 'utf8' })
  return res.status === 0 ? undefined : `network namespaces unavailable: ${(res.stderr || res.stdout).trim()}`
}

function meshNet(args: string[]): string {
  const res = spawnSync('bash', [MESH_NET, ...args], { encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`mesh-net.sh ${args.join(' ')} failed: ${res.stderr}`)
  return res.stdout.trim()
}

/** A host of an emulated network running one daemon, driven through the CLI inside its namespace. */
export interface NetnsNode {
  host: number
  dataDir: string
  address: string
  proc: ChildProcess
  peerId: string
  cli(args: string[]): Promise<CliResult>
  json<T>(args: string[]): Promise<T>
  stop(): Promise<void>
}

export interface Network {
  name: string
  /** Starts a daemon in host `host`; on `dataDir` when given (a restart), else on a fresh one. */
  start(
    host: number,
    options?: { config?: Record<string, unknown>; tag?: string; dataDir?: string }
  ): Promise<NetnsNode>
  /** Moves host `host` to address `.octet` of its subnet, as a new DHCP lease or container would. */
  readdress(host: number, octet: number): string
  partition(...groups: string[]): void
  healAll(): void
  down(): void
}

function collect(proc: ChildProcess): { stdout(): string; stderr(): string } {
  let stdout = ''
  let stderr = ''
  proc.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  return { stdout: () => stdout, stderr: () => stderr }
}

export function createNetwork(hosts: number): Network {
  const name = `mn${randomBytes(3).toString('hex')}`
  meshNet(['up', '--name', name, '--hosts', String(hosts)])
  const tag = `t-${name}`
  const procs: ChildProcess[] = []
  return {
    name,
    async start(host, options = {}) {
      const dataDir = options.dataDir ?? tmpDataDir('mesh-netns-')
      if (options.config != null) writeFileSync(join(dataDir, 'config.json'), JSON.stringify(options.config))
      rmSync(join(dataDir, 'api'), { force: true })
      // Everything runs inside host `host`: the daemon, and the CLI that must reach its loopback API.
      const inHost = (args: string[]): ChildProcess => {
        const child = spawn(
          'bash',
          [MESH_NET, 'exec', name, String(host), '--', process.execPath, BIN, ...args],
          {
            stdio: ['ignore', 'pipe', 'pipe']
          }
        )
        track(child)
        return child
      }
      const proc = inHost([
        'start',
        '--data-dir',
        dataDir,
        '--listen',
        '/ip4/0.0.0.0/tcp/4200',
        '--api',
        '127.0.0.1:4201',
        '--mdns-tag',
        options.tag ?? tag,
        '--log-level',
        'debug'
      ])
      procs.push(proc)
      const daemonOutput = collect(proc)
      const cli = async (args: string[]): Promise<CliResult> => {
        const p = inHost([...args, '--data-dir', dataDir])
        const out = collect(p)
        const code = await new Promise<number | null>((resolve) => p.on('close', resolve))
        return { code: code ?? 1, stdout: out.stdout(), stderr: out.stderr() }
      }
      await waitFor(() => existsSync(join(dataDir, 'api')), {
        timeoutMs: 60_000,
        message: () => `daemon on host ${host}: ${daemonOutput.stdout()}${daemonOutput.stderr()}`
      })
      const json = async <T>(args: string[]): Promise<T> => {
        const res = await cli([...args, '--json'])
        if (res.code !== 0) throw new Error(`${args.join(' ')}: ${res.stderr}`)
        return JSON.parse(res.stdout) as T
      }
      const { peerId } = await json<{ peerId: string }>(['id'])
      return {
        host,
        dataDir,
        address: meshNet(['addr', name, String(host)]),
        proc,
        peerId,
        cli,
        json,
        stop: async () => {
          if (proc.exitCode != null || proc.signalCode != null) return
          const exited = new Promise((resolve) => proc.once('exit', resolve))
          proc.kill('SIGTERM')
          const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
          await exited
          clearTimeout(timer)
        }
      }
    },
    partition: (...groups) => {
      meshNet(['partition', name, ...groups])
    },
    readdress: (host, octet) => {
      const ns = meshNet(['ns', name, String(host)])
      const old = meshNet(['addr', name, String(host)])
      const next = `${old.slice(0, old.lastIndexOf('.'))}.${octet}`
      for (const args of [
        // In this order: deleting a primary address deletes its secondaries,
        // and flushes the multicast route mDNS needs.
        ['addr', 'del', `${old}/24`, 'dev', 'eth0'],
        ['addr', 'add', `${next}/24`, 'brd', '+', 'dev', 'eth0'],
        ['route', 'replace', '224.0.0.0/4', 'dev', 'eth0']
      ]) {
        const res = spawnSync('ip', ['-n', ns, ...args], { encoding: 'utf8' })
        if (res.status !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')} failed: ${res.stderr}`)
      }
      return next
    },
    healAll: () => {
      meshNet(['heal-all', name])
    },
    down: () => {
      for (const p of procs) if (p.exitCode == null) p.kill('SIGKILL')
      meshNet(['down', name])
    }
  }
}
