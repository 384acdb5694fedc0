#!/usr/bin/env node
// Self time by function (and by package) over every .cpuprofile in DIR:
// where a process's CPU went. Usage: node bench/tools/prof-top.mjs DIR [top=30]
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const [dir, top = '30'] = process.argv.slice(2)
const byFn = new Map()
const byPkg = new Map()
let total = 0
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us)
/** The package a script belongs to: `@scope/name` from its node_modules path, else our own package. */
function pkgOf(url) {
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return m[1]
  const own = /packages\/([^/]+)\//.exec(url)
  return own ? `@mesh-node/${own[1]}` : url === '' ? '(native)' : url.replace(/^.*\//, '')
}
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  const nodes = new Map(p.nodes.map((n) => [n.id, n]))
  const dt = new Map()
  for (let i = 0; i < p.samples.length; i++) add(dt, p.samples[i], p.timeDeltas[i] ?? 0)
  for (const [id, us] of dt) {
    const cf = nodes.get(id).callFrame
    const name = cf.functionName || '(anonymous)'
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
      add(byFn, name, us)
      if (name !== '(idle)') total += us
      continue
    }
    total += us
    add(
      byFn,
      `${name} ${cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/packages\//, '')}:${cf.lineNumber + 1}`,
      us
    )
    add(byPkg, pkgOf(cf.url), us)
  }
}
const show = (title, map) => {
  console.log(`\n${title} (busy ${(total / 1000).toFixed(0)} ms)`)
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(top)))
    console.log(
      `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`
    )
}
show('by package', byPkg)
show('by function', byFn)
