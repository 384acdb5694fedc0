#!/usr/bin/env node
// Checked before anything imports libp2p, which fails obscurely on old Node.
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(
    `mesh-node needs Node >= 22, but this is Node ${process.version} (${process.execPath}).\n` +
      'Install Node 22 or newer (24 is the LTS) and put it first on PATH, then run mesh-node again.\n' +
      'In a clone of the mesh-node repository, scripts/setup.sh brings Node 24 into .tools/.\n'
  )
  process.exit(1)
}

// A daemon is long-lived and mostly idle: a small young generation keeps an
// idle node near 110 MB RSS instead of 135 MB. V8 reads the flag only at
// start, so the daemon re-executes itself in place (same pid) with it.
const SEMI_SPACE_FLAG = '--max-semi-space-size=1'
if (
  process.argv[2] === 'start' &&
  !process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) &&
  process.env.MESH_NODE_NO_REEXEC !== '1' &&
  typeof process.execve === 'function'
) {
  process.execve(
    process.execPath,
    [process.execPath, SEMI_SPACE_FLAG, ...process.execArgv, ...process.argv.slice(1)],
    {
      ...process.env,
      MESH_NODE_NO_REEXEC: '1'
    }
  )
}

const { main } = await import('./cli.js')
await main(process.argv)
