// Entry of the single executable (scripts/sea.sh). It skips bin.js: the
// executable embeds its own Node, so there is no version to check, and the
// young-generation flag comes from the SEA config's execArgv, not a re-exec.
// No top-level await: a SEA's main script is CommonJS. main() reports its
// own errors and sets the exit code.
import { main } from '../apps/mesh-node/dist/src/cli.js'

void main(process.argv)
