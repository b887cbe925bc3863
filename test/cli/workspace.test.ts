/** The workspace keeps what the user did: atomic writes, clear errors on damage, same bytes on replay. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox();
});
afterEach(() => cli.dispose());

const POD = repoPath('topologies/pods/date-pod.yml');

describe('workspace', () => {
  it('is created from the seed lab on first use, and says so', async () => {
    const result = await cli.run('get', 'pods');
    expect(result.stderr).toContain('created workspace .podnet from the built-in seed lab');
    expect(result.stdout).toMatch(/^date-pod\s+0\/1\s+ContainerCreating/m);
    expect(readdirSync(cli.path('.podnet')).sort()).toEqual(['state.json', 'topology.yaml']);
  });

  it('leaves no temporary files behind after writes', async () => {
    await cli.run('init', '--no-pods');
    await cli.run('create', '-f', POD);
    await cli.run('delete', 'pod', 'date-pod');
    expect(readdirSync(cli.path('.podnet')).sort()).toEqual(['state.json', 'state.prev.json', 'topology.yaml']);
    expect(readdirSync(cli.dir).sort()).toEqual(['.podnet']);
    const state = JSON.parse(readFileSync(cli.path('.podnet/state.json'), 'utf8'));
    expect(state.journal.map((e: { op: string }) => e.op)).toEqual(['create', 'delete']);
  });

  it('a hand-broken state file gives a located error, exit 2, and is left exactly as it was', async () => {
    await cli.run('init', '--no-pods');
    await cli.run('create', '-f', POD);
    const path = cli.path('.podnet/state.json');
    const broken = readFileSync(path, 'utf8').replace('"op": "create"', '"op": "craete"');
    writeFileSync(path, broken);
    for (const argv of [
      ['get', 'pods'],
      ['create', '-f', POD],
    ]) {
      const result = await cli.run(...argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^\.podnet\/state\.json:\d+:\d+: journal\[0\]\.op: "op" is missing or not one podnet knows \(found "craete"\)$/m,
      );
      expect(result.stderr).toMatch(/^\.podnet\/state\.json:\d+:\d+: checksum: the state does not match its checksum/m);
      expect(result.stderr).toMatch(/^2 problems found; the workspace .podnet was left as it is/m);
      expect(readFileSync(path, 'utf8')).toBe(broken);
    }
  });

  it('a state file that is not even JSON is reported with its position', async () => {
    await cli.run('init', '--no-pods');
    writeFileSync(cli.path('.podnet/state.json'), '{ "podnet": 1, \n  "journal": [ \n');
    const result = await cli.run('get', 'pods');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^\.podnet\/state\.json:\d+:\d+: YAML syntax error/m);
  });

  it('init refuses to replace a workspace unless --force', async () => {
    await cli.run('init');
    const again = await cli.run('init');
    expect(again).toMatchObject({
      code: 1,
      stderr: 'error: workspace .podnet already exists (podnet init --force replaces it)\n',
    });
    expect((await cli.run('init', '--force', repoPath('topologies/rr-lab.yaml'))).stdout).toContain(
      'cluster rr-lab, 6 nodes, 2 pods',
    );
  });

  it('instant workspaces give byte-identical output for the same commands', async () => {
    const transcript = async (sandbox: CliSandbox): Promise<string> => {
      const out: string[] = [];
      for (const argv of [
        ['init', '--no-pods'],
        ['create', '-f', POD],
        ['get', 'pods', '-o', 'wide'],
        ['describe', 'pod', 'date-pod'],
        ['get', 'pod', 'date-pod', '-o', 'json'],
        ['ipam', 'show', '--show-blocks'],
      ]) {
        const result = await sandbox.run(...argv);
        out.push(result.stdout, result.stderr);
      }
      return out.join('\n');
    };
    const other = new CliSandbox({ PODNET_INSTANT: '1' });
    const mine = new CliSandbox({ PODNET_INSTANT: '1' });
    other.wallMs += 123_456_789;
    try {
      const a = await transcript(mine);
      expect(a).toContain('Running');
      expect(await transcript(other)).toBe(a);
    } finally {
      other.dispose();
      mine.dispose();
    }
  });

  it('read commands on a topology file (-t) need no workspace and create none', async () => {
    const result = await cli.run('-t', repoPath('topologies/seed-lab.yaml'), 'get', 'pods');
    expect(result.stdout).toMatch(/^date-pod\s+1\/1\s+Running\s+0\s+5m$/m);
    expect(readdirSync(cli.dir)).toEqual([]);
    expect(await cli.run('-t', repoPath('topologies/seed-lab.yaml'), 'delete', 'pod', 'date-pod')).toMatchObject({
      code: 1,
    });
  });
});
