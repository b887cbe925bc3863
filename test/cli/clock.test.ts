/**
 * One clock a user can predict: a workspace keeps its clock mode (init --force included), reads
 * never move it backwards, and --instant on a read moves it on for good, saying so.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox();
});
afterEach(() => cli.dispose());

const simulatedAt = (summary: string): number => Number(/ at ([\d.]+)s simulated/.exec(summary)?.[1]);

describe('the workspace clock', () => {
  it('--instant on a read moves a wall-clock workspace on for good: the next read does not go back', async () => {
    await cli.run('init');
    cli.advance(30);
    await cli.run('fail', 'node', 'node-2');
    const instant = await cli.run('--instant', 'bgp', 'summary');
    expect(instant.stderr).toBe("podnet: --instant moved this workspace's clock on by 300 s, for good\n");
    expect(instant.stdout).toMatch(/^Sessions: 1\/3 established/m);
    const plain = await cli.run('bgp', 'summary');
    expect(simulatedAt(plain.stdout)).toBeGreaterThanOrEqual(simulatedAt(instant.stdout));
    expect(plain.stdout).toMatch(/^Sessions: 1\/3 established/m);
  });

  for (const [name, commands] of [
    [
      'route-reflectors',
      [
        ['bgp', 'routes', 'rr-2', '--all'],
        ['routes', 'node-1'],
        ['bgp', 'status', 'node-1'],
      ],
    ],
    ['racks-and-tors', [['bgp', 'summary'], ['routes', 'node-1a'], ['reach']]],
  ] as const) {
    it(`init --force keeps a settled lab settled: ${name}, edited and reloaded, answers as the file does`, async () => {
      await cli.run('labs', 'open', name);
      const lab = cli.path(name);
      copyFileSync(repoPath('topologies/labs', name, 'solution.yaml'), `${lab}/lab.yaml`);
      const inLab = new CliSandbox({}, undefined, lab);
      inLab.wallMs = cli.wallMs + 5_000;
      expect((await inLab.run('init', 'lab.yaml', '--force')).code).toBe(0);
      expect(JSON.parse(readFileSync(`${lab}/.podnet/state.json`, 'utf8')).clock.instant).toBe(true);
      for (const argv of commands) {
        const fromWorkspace = await inLab.run(...argv);
        const fromFile = await inLab.run('-t', 'lab.yaml', ...argv);
        expect(fromWorkspace.stdout, argv.join(' ')).toBe(fromFile.stdout);
      }
      expect((await inLab.run('check', 'lab.yaml')).code).toBe(0);
    });
  }
});
