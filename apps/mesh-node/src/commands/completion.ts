import { bashCompletion, zshCompletion } from '@mesh-node/cli-kit'
import { Argument, Command } from 'commander'

/** The program is passed in at print time, so the script covers every command registered by then. */
export function completionCommand(program: () => Command): Command {
  return new Command('completion')
    .description('print a shell completion script: source <(mesh-node completion bash), or zsh')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      [
        '',
        'Install:',
        "  bash: echo 'source <(mesh-node completion bash)' >> ~/.bashrc",
        '  zsh:  mesh-node completion zsh > ~/.zfunc/_mesh-node   (with ~/.zfunc on $fpath, before compinit)'
      ].join('\n')
    )
    .action((shell: 'bash' | 'zsh') => {
      process.stdout.write(shell === 'bash' ? bashCompletion(program()) : zshCompletion(program()))
    })
}
