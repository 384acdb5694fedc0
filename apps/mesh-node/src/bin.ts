#!/usr/bin/env node
// Checked before anything imports libp2p, which fails obscurely on old Node.
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(
    `mesh-node needs Node >= 22 (this is ${process.version}); run scripts/setup.sh, which brings Node 24\n`
  )
  process.exit(1)
}
const { main } = await import('./cli.js')
await main(process.argv)
