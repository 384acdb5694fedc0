import { spawn } from 'node:child_process'
import { printJson } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'

interface DashboardOptions extends CommonOptions {
  open?: boolean
}

/** The platform's "open this URL" command; only a browser sees the one-time link. */
function opener(): string {
  if (process.platform === 'darwin') return 'open'
  if (process.platform === 'win32') return 'explorer'
  return 'xdg-open'
}

export function dashboardCommand(): Command {
  return withJson(withDataDir(new Command('dashboard')))
    .description(
      'print a one-time link to the live dashboard (valid for one login within a minute; the browser then holds a 12 h session cookie)'
    )
    .option('--open', 'open the link in the default browser instead of printing it')
    .action(async (options: DashboardOptions) => {
      const login = await (await clientFor(options)).request<{ url: string; expiresAt: number }>(
        'POST',
        '/v1/ui/login'
      )
      if (options.json === true) {
        printJson(login)
        return
      }
      if (options.open === true) {
        const child = spawn(opener(), [login.url], { stdio: 'ignore', detached: true })
        child.on('error', () => {
          process.stderr.write(`could not start ${opener()}; open this link yourself:\n${login.url}\n`)
        })
        child.unref()
        return
      }
      process.stdout.write(`${login.url}\n`)
      process.stderr.write('open it within a minute; it works once\n')
    })
}
