#!/usr/bin/env node
// Runs the compiled tests with node's built-in runner, in one invocation so
// the summary covers everything.
// Usage: node scripts/run-tests.mjs [unit|integration|all] [extra node --test args]
// Integration tests start real daemons; MESH_TEST_CONCURRENCY bounds how many
// test files run at once on these small machines.
import { spawnSync } from 'node:child_process'
import { globSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const [kind = 'all', ...extra] = process.argv.slice(2)

const patterns = {
  unit: ['packages/*/dist/test/**/*.test.js', 'apps/*/dist/test/unit/**/*.test.js'],
  integration: ['apps/*/dist/test/integration/**/*.test.js']
}
const selected = kind === 'all' ? [...patterns.unit, ...patterns.integration] : patterns[kind]
if (selected == null) {
  console.error(`unknown test kind "${kind}" (unit, integration or all)`)
  process.exit(2)
}
const files = globSync(selected, { cwd: root }).sort()
if (files.length === 0) {
  console.error('no compiled tests found; run "pnpm build" first')
  process.exit(1)
}
const concurrency = process.env.MESH_TEST_CONCURRENCY ?? '3'
const args = ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...extra, ...files]
const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
process.exit(res.status ?? 1)
