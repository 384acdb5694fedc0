import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { buildProgram } from '../../src/cli.js'
import { runCli, tmpDataDir } from '../helpers/daemon.js'

/** Runs the shell with the script loaded and returns what it offers for `words` (the last is being typed). */
function bashOffers(script: string, words: string[]): string[] {
  const dir = tmpDataDir('mesh-completion-')
  const file = join(dir, 'c.bash')
  writeFileSync(file, script)
  const quoted = words.map((w) => `'${w}'`).join(' ')
  const res = spawnSync(
    'bash',
    [
      '-c',
      `source ${file}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _mesh_node; printf '%s\\n' "\${COMPREPLY[@]}"`
    ],
    { encoding: 'utf8', cwd: dir }
  )
  assert.equal(res.status, 0, res.stderr)
  return res.stdout.split('\n').filter((l) => l !== '')
}

function zshOffers(script: string, words: string[]): string[] {
  const dir = tmpDataDir('mesh-completion-')
  const file = join(dir, '_mesh-node')
  writeFileSync(file, script)
  // compadd/_describe/compdef stand in for the completion system: they print what would be offered.
  const stubs = `compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }; _describe() { local -a a; a=("\${(@P)2}"); print -l -- "\${a[@]%%:*}"; }; _files() { print -- FILES; }`
  const quoted = words.map((w) => `'${w}'`).join(' ')
  const res = spawnSync(
    'zsh',
    ['-f', '-c', `${stubs}; source ${file}; words=(${quoted}); CURRENT=${words.length}; _mesh_node`],
    {
      encoding: 'utf8',
      cwd: dir
    }
  )
  assert.equal(res.status, 0, res.stderr)
  return res.stdout.split('\n').filter((l) => l !== '')
}

const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0

describe('mesh-node completion', () => {
  const commands = buildProgram().commands.map((c) => c.name())

  it('completes every command of the program, their flags and flag values in bash', async () => {
    const res = await runCli(['completion', 'bash'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(
      bashOffers(res.stdout, ['mesh-node', '']).filter((w) => !w.startsWith('-')),
      commands,
      'every registered command, in order'
    )
    assert.ok(commands.includes('dashboard') && commands.includes('completion'))
    assert.deepEqual(bashOffers(res.stdout, ['mesh-node', 'start', '--log']), ['--log-level'])
    assert.deepEqual(bashOffers(res.stdout, ['mesh-node', 'start', '--log-level', 'd']), ['debug'])
    assert.deepEqual(bashOffers(res.stdout, ['mesh-node', 'swarm-key', 'g']), ['generate'])
    assert.ok(bashOffers(res.stdout, ['mesh-node', 'swarm-key', 'generate', '--']).includes('--force'))
    assert.deepEqual(bashOffers(res.stdout, ['mesh-node', 'completion', '']).slice(0, 2), ['bash', 'zsh'])
    // After a flag taking a free value, offer nothing rather than the flags.
    assert.deepEqual(bashOffers(res.stdout, ['mesh-node', 'submit', '--capability', '']), [])
  })

  it('completes commands, flags and values in zsh', {
    skip: hasZsh ? false : 'zsh is not installed'
  }, async () => {
    const res = await runCli(['completion', 'zsh'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /^#compdef mesh-node/)
    assert.deepEqual(zshOffers(res.stdout, ['mesh-node', '']), commands)
    assert.ok(zshOffers(res.stdout, ['mesh-node', 'start', '--']).includes('--metrics'))
    assert.deepEqual(zshOffers(res.stdout, ['mesh-node', 'start', '--log-level', '']), [
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
      'silent'
    ])
    assert.deepEqual(zshOffers(res.stdout, ['mesh-node', 'start', '--config', '']), ['FILES'])
  })

  it('names the shells it knows when given another', async () => {
    const res = await runCli(['completion', 'fish'])
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /bash, zsh/)
  })
})
