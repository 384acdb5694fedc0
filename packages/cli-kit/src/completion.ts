import type { Command, Option } from 'commander'

/** Flags whose value is a path: the shells complete file names there. */
const FILE_ARG = /<(file|dir|path)>/i

/** One command's completion data, keyed by its path ("mesh-node submit"). */
interface Entry {
  path: string
  description: string
  subcommands: Array<{ name: string; description: string }>
  flags: string[]
  /** flag -> what its value is: file, a free word, or one of some choices */
  values: Map<string, string>
}

/**
 * Walks the commander program itself, so every command and flag on it,
 * including ones added later, is completed without editing this file.
 */
function entries(program: Command): Entry[] {
  const out: Entry[] = []
  const walk = (cmd: Command, path: string): void => {
    const options = cmd.options.filter((o): o is Option & { long: string } => o.long != null && !o.hidden)
    const values = new Map<string, string>()
    for (const o of options) {
      if (!o.required && !o.optional) continue
      const choices = o.argChoices
      values.set(
        o.long,
        choices != null && choices.length > 0
          ? `choices:${choices.join(' ')}`
          : FILE_ARG.test(o.flags)
            ? 'file'
            : 'word'
      )
    }
    const subs = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
    // A positional argument with fixed choices completes like a subcommand.
    const choices = cmd.registeredArguments.flatMap((a) =>
      (a.argChoices ?? []).map((name) => ({ name, description: a.description }))
    )
    out.push({
      path,
      description: cmd.description(),
      subcommands: [...subs.map((c) => ({ name: c.name(), description: c.description() })), ...choices],
      flags: [...options.map((o) => o.long), '--help'],
      values
    })
    for (const c of subs) walk(c, `${path} ${c.name()}`)
  }
  walk(program, program.name())
  return out
}

const sq = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`

/** The shell function's name: `mesh-node` -> `_mesh_node`. */
const fnName = (program: Command): string => `_${program.name().replaceAll(/[^A-Za-z0-9]/g, '_')}`

export function bashCompletion(program: Command): string {
  const all = entries(program)
  const name = program.name()
  const fn = fnName(program)
  const words = all.map(
    (e) => `  [${sq(e.path)}]=${sq([...e.subcommands.map((s) => s.name), ...e.flags].join(' '))}`
  )
  const values = all.flatMap((e) =>
    [...e.values].map(([flag, kind]) => `  [${sq(`${e.path} ${flag}`)}]=${sq(kind)}`)
  )
  return `# bash completion for ${name}. Load it with: source <(${name} completion bash)
declare -gA ${fn}_words=(
${words.join('\n')}
)
declare -gA ${fn}_values=(
${values.join('\n')}
)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path=${sq(program.name())} i
  # The (sub)command so far: the earlier words that name one.
  for ((i = 1; i < COMP_CWORD; i++)); do
    [[ -n "\${${fn}_words["$path \${COMP_WORDS[i]}"]+x}" ]] && path="$path \${COMP_WORDS[i]}"
  done
  local kind="\${${fn}_values["$path $prev"]-}"
  case "$kind" in
    file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    word) COMPREPLY=(); return ;;
    choices:*) COMPREPLY=($(compgen -W "\${kind#choices:}" -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "\${${fn}_words[$path]}" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`
}

export function zshCompletion(program: Command): string {
  const all = entries(program)
  const name = program.name()
  const fn = fnName(program)
  const subs = all.map(
    (e) =>
      `  [${sq(e.path)}]=${sq(e.subcommands.map((s) => `${s.name.replaceAll(':', '\\:')}:${s.description.replaceAll('\n', ' ')}`).join('\n'))}`
  )
  const flags = all.map((e) => `  [${sq(e.path)}]=${sq(e.flags.join(' '))}`)
  const values = all.flatMap((e) =>
    [...e.values].map(([flag, kind]) => `  [${sq(`${e.path} ${flag}`)}]=${sq(kind)}`)
  )
  return `#compdef ${name}
# zsh completion for ${name}. Load it with: source <(${name} completion zsh)
# (after compinit), or save it as _${name} in a directory on $fpath.
typeset -gA ${fn}_subs=(
${subs.join('\n')}
)
typeset -gA ${fn}_flags=(
${flags.join('\n')}
)
typeset -gA ${fn}_values=(
${values.join('\n')}
)
${fn}() {
  local path=${sq(program.name())} i
  for ((i = 2; i < CURRENT; i++)); do
    (( \${+${fn}_flags[$path \${words[i]}]} )) && path="$path \${words[i]}"
  done
  local kind="\${${fn}_values[$path \${words[CURRENT-1]}]}"
  case "$kind" in
    file) _files; return ;;
    word) return ;;
    choices:*) compadd -- \${=kind#choices:}; return ;;
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- \${=${fn}_flags[$path]}
    return
  fi
  local -a subs
  subs=(\${(f)${fn}_subs[$path]})
  if (( \${#subs} )); then _describe 'command' subs; else compadd -- \${=${fn}_flags[$path]}; fi
}
compdef ${fn} ${name}
`
}
