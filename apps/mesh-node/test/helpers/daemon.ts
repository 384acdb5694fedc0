import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createClient, type MeshClient } from '@mesh-node/client'
import { waitFor } from './wait.js'

export const BIN = fileURLToPath(new URL('../../src/bin.js', import.meta.url))

const started = new Set<ChildProcess>()
const dirs = new Set<string>()

const running = (proc: ChildProcess): boolean => proc.exitCode == null && proc.signalCode == null

/** Puts a child of this test file on the list of processes killed when the file's tests end. */
export function track(proc: ChildProcess): void {
  started.add(proc)
  proc.once('exit', () => started.delete(proc))
}

// A test that fails half-way (one of three daemons started together does not
// become ready, say) never reaches its own clean-up for the others. Their
// pipes would keep this file's process alive after its last test, and the
// whole run would hang. So when the file's tests end, whatever of ours still
// runs is killed. Only our own children: nothing else is ours to kill.
after(() => {
  for (const proc of started) if (running(proc)) proc.kill('SIGKILL')
})
process.on('exit', () => {
  for (const proc of started) if (running(proc)) proc.kill('SIGKILL')
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

export function tmpDataDir(prefix = 'mesh-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.add(dir)
  return dir
}

/** An mDNS tag no other test run shares. */
export function uniqueTag(): string {
  return `t-${randomBytes(6).toString('hex')}`
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}
): Promise<CliResult> {
  return await new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    track(proc)
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(
        new Error(
          `mesh-node ${args.join(' ')} did not finish in ${options.timeoutMs ?? 60_000} ms\n${stderr}`
        )
      )
    }, options.timeoutMs ?? 60_000)
    proc.on('error', reject)
    proc.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 1, stdout, stderr })
    })
  })
}

export interface TestDaemonOptions {
  dataDir?: string
  /** mDNS tag; defaults to a fresh one, so this daemon sees no other test's daemons. */
  tag?: string
  /** Extra `mesh-node start` flags. */
  args?: string[]
  /** Written to DATA_DIR/config.json before start. */
  config?: Record<string, unknown>
  env?: NodeJS.ProcessEnv
  readyTimeoutMs?: number
}

export interface TestDaemon {
  readonly dataDir: string
  readonly tag: string
  readonly proc: ChildProcess
  readonly peerId: string
  readonly url: string
  readonly client: MeshClient
  /**
   * A client that does not retry cut requests: for a request left running
   * when the test stops the daemon (one holding an agent slot), which would
   * otherwise keep the test process alive for the default 30 s of retries.
   */
  readonly noRetryClient: MeshClient
  output(): string
  cli(args: string[], options?: { timeoutMs?: number }): Promise<CliResult>
  /** Sends a signal to this daemon only. */
  kill(signal?: NodeJS.Signals): void
  exited(): Promise<number | null>
  /** SIGTERM, then SIGKILL if it has not exited in time. */
  stop(): Promise<void>
}

export async function startTestDaemon(options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const dataDir = options.dataDir ?? tmpDataDir()
  const tag = options.tag ?? uniqueTag()
  if (options.config != null)
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify(options.config, null, 2))
  // A daemon killed with -9 leaves its api file; readiness means a fresh one.
  const apiFile = join(dataDir, 'api')
  rmSync(apiFile, { force: true })
  const args = [
    BIN,
    'start',
    '--data-dir',
    dataDir,
    '--api',
    '127.0.0.1:0',
    '--listen',
    '/ip4/127.0.0.1/tcp/0',
    '--mdns-tag',
    tag,
    '--log-level',
    'debug',
    ...(options.args ?? [])
  ]
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  track(proc)
  let output = ''
  proc.stdout.on('data', (d: Buffer) => {
    output += d.toString()
  })
  proc.stderr.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  let exitedEarly = false
  void exit.then(() => {
    exitedEarly = true
  })

  await waitFor(
    () => {
      if (exitedEarly) throw new Error(`daemon exited during start:\n${output}`)
      return existsSync(apiFile)
    },
    {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      message: () => `daemon in ${dataDir} to be ready\n${output}`
    }
  ).catch((err: Error) => {
    proc.kill('SIGKILL')
    throw err
  })
  const url = readFileSync(apiFile, 'utf8').trim()
  const token = readFileSync(join(dataDir, 'api.token'), 'utf8').trim()
  const client = createClient({ url, token })
  let peerId: string
  try {
    peerId = (await client.id()).peerId
  } catch (err) {
    proc.kill('SIGKILL')
    throw err
  }

  return {
    dataDir,
    tag,
    proc,
    peerId,
    url,
    client,
    noRetryClient: createClient({ url, token }, { retryMs: 0 }),
    output: () => output,
    cli: async (cliArgs, opts) => await runCli([...cliArgs, '--data-dir', dataDir], opts),
    kill: (signal = 'SIGKILL') => {
      if (proc.exitCode == null && proc.signalCode == null) proc.kill(signal)
    },
    exited: async () => await exit,
    stop: async () => {
      if (proc.exitCode != null || proc.signalCode != null) return
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
      await exit
      clearTimeout(timer)
    }
  }
}

export async function stopAll(daemons: Array<TestDaemon | undefined>): Promise<void> {
  await Promise.all(daemons.map(async (d) => await d?.stop()))
}
