/** The exit codes README's table promises, one case per class of outcome. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox({ PODNET_INSTANT: '1', PODNET_LOCK_WAIT: '0' });
});
afterEach(() => cli.dispose());

const SEED = repoPath('topologies/seed-lab.yaml');

describe('exit codes', () => {
  it('0: success', async () => {
    expect((await cli.run('-t', SEED, 'bgp', 'summary')).code).toBe(0);
  });

  it('1: what kubectl would refuse, and usage errors', async () => {
    await cli.run('init');
    const cases: string[][] = [
      ['get', 'pod', 'nope'],
      ['create', '-f', repoPath('topologies/pods/date-pod.yml')],
      ['frobnicate'],
      ['trace', 'date-pod', 'date-pod:99999'],
      ['trace', 'date-pod', 'date-pod', '--port', '0'],
      ['generate', '--nodes', '0'],
      ['block-port', 'node-1', '70000'],
      ['routes', 'node-1', '--at', 'soon'],
      ['reach', '--from', "zone = 'prod'"],
      ['graph', '--layer', 'trace', 'date-pod'],
      ['--state', '', 'get', 'pods'],
    ];
    for (const argv of cases) expect((await cli.run(...argv)).code, argv.join(' ')).toBe(1);
  });

  it('2: a file podnet cannot read, or a place it cannot write', async () => {
    writeFileSync(cli.path('bad.yaml'), 'cluster: [\n');
    mkdirSync(cli.path('dir'));
    expect((await cli.run('validate', 'bad.yaml')).code).toBe(2);
    expect((await cli.run('-t', SEED, 'graph', '-o', 'dir')).code).toBe(2);
  });

  it('3: the workspace is locked by a command that is still running', async () => {
    await cli.run('init');
    writeFileSync(
      cli.path('.podnet/lock'),
      JSON.stringify({ pid: process.ppid, command: 'podnet create', since: 'now' }),
    );
    expect((await cli.run('delete', 'pod', 'date-pod')).code).toBe(3);
  });
});
