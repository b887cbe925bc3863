/**
 * `podnet completion bash|zsh|fish`: a completion script made from the command tree itself, so
 * it offers exactly the commands, subcommands and options `podnet --help` lists.
 */
import type { Command, Option } from 'commander';

export type Shell = 'bash' | 'zsh' | 'fish';

interface Node {
  readonly name: string;
  readonly words: readonly string[];
}

function flags(options: readonly Option[]): string[] {
  return options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
}

/** For the top level and each command with subcommands: the words that may follow it. */
function tree(program: Command): { top: string[]; nested: Node[] } {
  const commands = program.commands.filter((c) => c.name() !== 'help');
  const top = [...commands.map((c) => c.name()), ...flags(program.options), '--help'];
  const nested = commands
    .map((c) => ({ name: c.name(), words: [...c.commands.map((s) => s.name()), ...flags(c.options), '--help'] }))
    .filter((n) => n.words.length > 1);
  return { top, nested };
}

function bash(program: Command): string {
  const { top, nested } = tree(program);
  const cases = nested.map((n) => `    ${n.name}) words="${n.words.join(' ')}" ;;`).join('\n');
  return `# podnet completion for bash: eval "$(podnet completion bash)"
_podnet() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="${top.join(' ')}"
  else
    case "\${COMP_WORDS[1]}" in
${cases}
    *) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _podnet podnet
`;
}

function fish(program: Command): string {
  const { top, nested } = tree(program);
  const lines = [
    '# podnet completion for fish: podnet completion fish | source',
    `complete -c podnet -f -n '__fish_use_subcommand' -a '${top.filter((w) => !w.startsWith('-')).join(' ')}'`,
    ...nested
      .map((n) => ({ name: n.name, subcommands: n.words.filter((w) => !w.startsWith('-')) }))
      .filter((n) => n.subcommands.length > 0)
      .map((n) => `complete -c podnet -f -n '__fish_seen_subcommand_from ${n.name}' -a '${n.subcommands.join(' ')}'`),
  ];
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  switch (shell) {
    case 'bash':
      return bash(program);
    case 'zsh':
      // zsh runs bash completion functions through bashcompinit.
      return `# podnet completion for zsh: eval "$(podnet completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${bash(program).split('\n').slice(1).join('\n')}`;
    case 'fish':
      return fish(program);
  }
}
