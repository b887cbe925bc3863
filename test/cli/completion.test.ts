/** Shell completion, tried in a real bash: what it offers after `podnet` and after `podnet bgp`. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../helpers/cli.js';

function complete(words: string[]): string[] {
  const script = `eval "$(node ${repoPath('bin/podnet.js')} completion bash)"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _podnet; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.split('\n').filter(Boolean);
}

describe('podnet completion', () => {
  it('bash completes commands and their subcommands', () => {
    expect(complete(['podnet', 'bg'])).toEqual(['bgp']);
    expect(complete(['podnet', 'bgp', 's'])).toEqual(['status', 'summary']);
    expect(complete(['podnet', 'workspace', ''])).toEqual(['recover', '--help']);
  });

  it('fish and zsh scripts name every command, and an unknown shell is a usage error', () => {
    const fish = spawnSync(process.execPath, [repoPath('bin/podnet.js'), 'completion', 'fish'], { encoding: 'utf8' });
    expect(fish.stdout).toMatch(/__fish_seen_subcommand_from bgp' -a 'status routes summary'/);
    const zsh = spawnSync(process.execPath, [repoPath('bin/podnet.js'), 'completion', 'zsh'], { encoding: 'utf8' });
    expect(zsh.stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit$/m);
    expect(spawnSync(process.execPath, [repoPath('bin/podnet.js'), 'completion', 'tcsh']).status).toBe(1);
  });
});
