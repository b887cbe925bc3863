/**
 * The course catalogue as a student meets it: `labs` lists the labs, `labs open` copies one into a
 * workspace, every command of its exercise works there, and a broken lab's checks fail until the
 * solution is applied, then pass.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath, tableRows } from '../helpers/cli.js';

const sandboxes: CliSandbox[] = [];
afterEach(() =>
  sandboxes.splice(0).forEach((s) => {
    s.dispose();
  }),
);

function sandbox(): CliSandbox {
  const cli = new CliSandbox();
  sandboxes.push(cli);
  return cli;
}

const CATALOGUE = readFileSync(repoPath('topologies/labs/catalogue.yaml'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('- '))
  .map((line) => line.slice(2));

/** The exercise's "## Commands" block: each line a podnet command; "# fails" marks exit code 1. */
function exerciseCommands(exercise: string): { argv: string[]; fails: boolean }[] {
  const block = /## Commands\n\n```sh\n([\s\S]*?)```/.exec(exercise)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [command = '', comment = ''] = line.split('#');
      const argv = command.trim().split(/\s+/);
      expect(argv[0]).toBe('podnet');
      return { argv: argv.slice(1), fails: comment.trim().startsWith('fails') };
    });
}

describe('podnet labs', () => {
  it('lists at least eight labs in teaching order, the broken ones marked', async () => {
    const { code, stdout } = await sandbox().run('labs');
    expect(code).toBe(0);
    const rows = tableRows(stdout);
    expect(rows[0]).toEqual(['NAME', 'STARTS', 'TITLE']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(CATALOGUE);
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(8);
    expect(rows.find((r) => r[0] === 'route-reflectors')).toEqual([
      'route-reflectors',
      'broken: fix it',
      'Route reflectors, and the shared-cluster-ID trap',
    ]);
    expect(rows.find((r) => r[0] === 'first-pod')?.[1]).toBe('explore');
  });

  it('refuses a directory with files in it and leaves them as they were', async () => {
    const cli = sandbox();
    writeFileSync(cli.path('notes.txt'), 'mine');
    const { code, stderr } = await cli.run('labs', 'open', 'first-pod', '--dir', '.');
    expect(code).toBe(1);
    expect(stderr).toMatch(/is not empty; podnet labs open leaves existing files alone/);
    expect(readFileSync(cli.path('notes.txt'), 'utf8')).toBe('mine');
  });

  it('suggests the nearest name for a misspelt lab', async () => {
    const { code, stderr } = await sandbox().run('labs', 'open', 'route-reflector');
    expect(code).toBe(1);
    expect(stderr).toContain('no lab "route-reflector" (did you mean "route-reflectors"?)');
  });
});

describe.each(CATALOGUE)('lab %s', (name) => {
  const labDir = repoPath('topologies/labs', name);
  const exercise = readFileSync(`${labDir}/exercise.md`, 'utf8');

  it('has an exercise with a goal, questions, hints and commands', () => {
    for (const heading of ['## Goal', '## Questions', '## Hints', '## Commands']) expect(exercise).toContain(heading);
    expect(exerciseCommands(exercise).length).toBeGreaterThanOrEqual(4);
  });

  it('opens into a workspace where every exercise command works, and grades as it should', async () => {
    const cli = sandbox();
    const opened = await cli.run('labs', 'open', name, '--dir', '.');
    expect(opened.code).toBe(0);
    // The copy is the lab, except that its $schema link is made absolute so that editors still find it.
    const shipped = readFileSync(`${labDir}/lab.yaml`, 'utf8').replace(
      /(\$schema=)\.\.\/\.\.\/\.\.\//,
      `$1${repoPath()}/`,
    );
    expect(readFileSync(cli.path('lab.yaml'), 'utf8')).toBe(shipped);
    const broken = exercise.includes('# fails');
    for (const { argv, fails } of exerciseCommands(exercise)) {
      const { code, stdout, stderr } = await cli.run(...argv);
      expect({ argv, code, stderr }).toEqual({ argv, code: fails ? 1 : 0, stderr: fails ? expect.any(String) : '' });
      if (argv[0] !== 'generate') expect(stdout).not.toBe('');
    }
    const graded = await cli.run('check', 'lab.yaml');
    expect(graded.code).toBe(broken ? 1 : 0);
    expect(graded.stdout).toMatch(broken ? /^FAIL /m : /, 0 failed\n$/);
  });

  it('starts broken exactly when it ships a solution', () => {
    expect(existsSync(`${labDir}/solution.yaml`)).toBe(exercise.includes('# fails'));
  });
});

const BROKEN = CATALOGUE.filter((name) => existsSync(repoPath('topologies/labs', name, 'solution.yaml')));

describe.each(BROKEN)('broken lab %s', (name) => {
  it('passes its checks once the fix is applied', async () => {
    const cli = sandbox();
    await cli.run('labs', 'open', name, '--dir', '.');
    copyFileSync(repoPath('topologies/labs', name, 'solution.yaml'), cli.path('lab.yaml'));
    expect((await cli.run('init', 'lab.yaml', '--force')).code).toBe(0);
    const graded = await cli.run('check', 'lab.yaml');
    expect(graded.stdout).not.toMatch(/^FAIL /m);
    expect(graded.code).toBe(0);
  });
});
