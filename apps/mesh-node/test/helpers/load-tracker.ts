/**
 * Loaded with `node --import` into a daemon under test: records the URL of
 * every module the process loads and, when it exits, writes them to the file
 * named by MESH_TEST_LOAD_LOG, one per line. Lets a test check what an idle
 * daemon does not load (each module costs memory in every daemon).
 */
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'

const file = process.env.MESH_TEST_LOAD_LOG
const loaded: string[] = []
registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url)
    return nextLoad(url, context)
  }
})
if (file !== undefined) process.on('exit', () => writeFileSync(file, loaded.join('\n')))
