#!/usr/bin/env node
// Runs the compiled tests with node's built-in runner.
// Usage: node scripts/run-tests.mjs [unit|integration] [extra node --test args]
// Unit tests run in parallel; integration tests start real daemons, so they
// run a few files at a time on these small machines.
import { spawnSync } from 'node:child_process'
import { globSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const [kind = 'all', ...extra] = process.argv.slice(2)

const unit = globSync(['packages/*/dist/test/**/*.test.js', 'apps/*/dist/test/unit/**/*.test.js'], { cwd: root })
const integration = globSync(['apps/*/dist/test/integration/**/*.test.js'], { cwd: root })

function run (files, concurrency) {
  if (files.length === 0) return 0
  const args = ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...extra, ...files.sort()]
  const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  return res.status ?? 1
}

let status = 0
if (kind === 'all' || kind === 'unit') status ||= run(unit, 2)
if (kind === 'all' || kind === 'integration') status ||= run(integration, Number(process.env.MESH_TEST_CONCURRENCY ?? 2))
process.exit(status)
