/**
 * One mutant through the commands a user would run on it, in this process: `validate`, and when
 * the file is valid `check` and `status` on it; a Pod manifest goes through `create -f` in a
 * workspace. The outcome says whether podnet held: every failure a located message or one clear
 * line with exit 1 or 2, never an exception, exit 70 or a message without a place.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { nodeFileSystem } from '../io/fs.js';
import type { Mutant } from './mutate.js';

export type Verdict = 'held' | 'internal-error' | 'unlocated';

export interface Outcome {
  readonly mutant: string;
  readonly verdict: Verdict;
  readonly command?: string;
  readonly detail?: string;
  readonly ms: number;
  /** Whether the mutant was still a valid topology (or manifest), so the later commands ran too. */
  readonly valid: boolean;
}

interface Run {
  readonly code: number;
  readonly stderr: string;
  readonly thrown?: string;
}

async function podnet(dir: string, argv: string[]): Promise<Run> {
  let stderr = '';
  try {
    const code = await main(argv, {
      stdout: () => undefined,
      stderr: (text) => {
        stderr += text;
      },
      env: { PODNET_INSTANT: '1' },
      cwd: dir,
      wallMs: () => 0,
      fs: nodeFileSystem,
    });
    return { code, stderr };
  } catch (error) {
    return {
      code: 70,
      stderr,
      thrown: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error),
    };
  }
}

const LOCATED = /^[^\n]+:\d+:\d+: \S/;
const SUMMARY = /^\d+ problems? found/;

/** A line of a failed command that names neither a place nor a whole-command error. */
function unlocatedLine(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .filter((line) => line !== '')
    .find(
      (line) =>
        !LOCATED.test(line) &&
        !SUMMARY.test(line) &&
        !line.startsWith('error: ') &&
        !line.startsWith('Error from server') &&
        !line.startsWith('podnet: created workspace'),
    );
}

export async function exercise(mutant: Mutant, dir: string): Promise<Outcome> {
  const started = performance.now();
  const file = 'mutant.yaml';
  writeFileSync(join(dir, file), mutant.text);
  const isPod = /^kind:\s*Pod\s*$/m.test(mutant.text) && !/^cluster:/m.test(mutant.text);
  const plan: string[][] = isPod
    ? [
        ['create', '-f', file],
        ['get', 'pods', '-A'],
      ]
    : [
        ['validate', file],
        ['check', file],
        ['-t', file, 'status'],
      ];
  let valid = true;
  for (const argv of plan) {
    const run = await podnet(dir, argv);
    const ms = performance.now() - started;
    const command = argv.join(' ');
    if (run.code === 70 || run.code > 3 || run.thrown !== undefined) {
      return { mutant: mutant.name, verdict: 'internal-error', command, detail: run.thrown ?? run.stderr, ms, valid };
    }
    if (run.code === 2) {
      const line = unlocatedLine(run.stderr);
      if (line !== undefined) return { mutant: mutant.name, verdict: 'unlocated', command, detail: line, ms, valid };
    }
    if (run.code !== 0 && (argv[0] === 'validate' || argv[0] === 'create')) valid = false;
    // A file that does not validate has said all it has to say.
    if (run.code !== 0 && argv[0] === 'validate') break;
  }
  return { mutant: mutant.name, verdict: 'held', ms: performance.now() - started, valid };
}
