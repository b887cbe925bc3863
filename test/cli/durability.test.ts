/**
 * Nothing a user did is ever lost: concurrent writers, a full disk, damaged state files, and the
 * previous generation that `podnet workspace recover` restores.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FileSystem, FileWriteError, nodeFileSystem } from '../../src/io/fs.js';
import { sealState, type WorkspaceState } from '../../src/io/workspace.js';
import { CliSandbox, repoPath } from '../helpers/cli.js';

const POD = repoPath('topologies/pods/date-pod.yml');

function podManifest(name: string): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: c\n      image: nginx\n`;
}

function runWriter(cwd: string, files: string[]): Promise<{ acknowledged: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [repoPath('test/helpers/writer.mjs'), cwd, ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', () => resolve({ acknowledged: stdout.split('\n').filter(Boolean), stderr }));
  });
}

describe('concurrent writers', () => {
  it('4 writers, 50 changes each: every acknowledged change is in the workspace', async () => {
    const cli = new CliSandbox({ PODNET_INSTANT: '1' });
    try {
      expect((await cli.run('init', '--no-pods')).code).toBe(0);
      const writers = [0, 1, 2, 3].map((w) =>
        Array.from({ length: 50 }, (_, i) => {
          const file = cli.path(`w${w}-p${i}.yaml`);
          writeFileSync(file, podManifest(`w${w}-p${i}`));
          return file;
        }),
      );
      const results = await Promise.all(writers.map((files) => runWriter(cli.dir, files)));
      const acknowledged = results.flatMap((r) => r.acknowledged).sort();
      expect(results.map((r) => r.stderr).join('')).toBe('');
      expect(acknowledged).toHaveLength(200);
      const state = JSON.parse(readFileSync(cli.path('.podnet/state.json'), 'utf8')) as {
        journal: { manifest: { metadata: { name: string } } }[];
      };
      expect(state.journal.map((e) => e.manifest.metadata.name).sort()).toEqual(acknowledged);
      const listed = (await cli.run('get', 'pods', '-o', 'name')).stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace('pod/', ''));
      expect(listed.sort()).toEqual(acknowledged);
      expect(readdirSync(cli.path('.podnet')).sort()).toEqual(['state.json', 'state.prev.json', 'topology.yaml']);
    } finally {
      cli.dispose();
    }
  }, 120_000);

  it('a writer that cannot get the lock names its holder, exits 3 and writes nothing', async () => {
    const cli = new CliSandbox({ PODNET_INSTANT: '1', PODNET_LOCK_WAIT: '0.1' });
    try {
      await cli.run('init', '--no-pods');
      const before = readFileSync(cli.path('.podnet/state.json'), 'utf8');
      // A live process holds the lock: this test's own parent, which outlives the command.
      writeFileSync(
        cli.path('.podnet/lock'),
        JSON.stringify({ pid: process.ppid, command: 'podnet create', since: '2026-11-25T12:00:00.000Z' }),
      );
      const result = await cli.run('create', '-f', POD);
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^error: the workspace \.podnet is busy: podnet create \(pid \d+, since 2026-11-25T12:00:00\.000Z\) holds its lock; waited 0\.\ds and changed nothing/,
      );
      expect(readFileSync(cli.path('.podnet/state.json'), 'utf8')).toBe(before);
    } finally {
      cli.dispose();
    }
  });

  it('a lock left by a process that is gone is broken, and the change goes through', async () => {
    const cli = new CliSandbox({ PODNET_INSTANT: '1', PODNET_LOCK_WAIT: '1' });
    try {
      await cli.run('init', '--no-pods');
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
        encoding: 'utf8',
      });
      writeFileSync(
        cli.path('.podnet/lock'),
        JSON.stringify({ pid: Number(dead.stdout), command: 'podnet create', since: 'then' }),
      );
      expect(await cli.run('create', '-f', POD)).toMatchObject({ code: 0, stdout: 'pod/date-pod created\n' });
      expect(readdirSync(cli.path('.podnet'))).not.toContain('lock');
    } finally {
      cli.dispose();
    }
  });
});

/** The real file system, except that writes fail with `reason` once `failAfter` of them succeeded. */
function failingFs(failAfter: number, reason: string): FileSystem & { writes: number } {
  const fs = {
    ...nodeFileSystem,
    writes: 0,
    writeAtomic(path: string, text: string) {
      if (fs.writes++ >= failAfter) throw new FileWriteError(path, reason);
      nodeFileSystem.writeAtomic(path, text);
    },
  };
  return fs;
}

describe('a write that fails', () => {
  it('at every write of a create: the old state intact, one clear line, nothing acknowledged', async () => {
    const setup = new CliSandbox({ PODNET_INSTANT: '1' });
    try {
      await setup.run('init', '--no-pods');
      const before = readFileSync(setup.path('.podnet/state.json'), 'utf8');
      for (const failAfter of [0, 1]) {
        const cli = new CliSandbox(
          { PODNET_INSTANT: '1' },
          failingFs(failAfter, 'no space left on the device'),
          setup.dir,
        );
        const result = await cli.run('create', '-f', POD);
        expect(result).toMatchObject({ code: 2, stdout: '' });
        expect(result.stderr).toMatch(
          /^error: cannot write \.podnet\/state(\.prev)?\.json: no space left on the device; nothing was changed\n$/,
        );
        expect(readFileSync(setup.path('.podnet/state.json'), 'utf8')).toBe(before);
      }
      expect((await setup.run('get', 'pods')).stderr).toBe('No resources found in default namespace.\n');
    } finally {
      setup.dispose();
    }
  });

  const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
  it.skipIf(!canMount && process.env['CI'] !== 'true')(
    'on a real full file system (tmpfs): every earlier change survives, whatever the free space',
    async () => {
      const mnt = join(tmpdir(), `podnet-full-${process.pid}`);
      mkdirSync(mnt, { recursive: true });
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]);
      expect(mounted.status, `mount a tmpfs (needs root): ${mounted.stderr}`).toBe(0);
      try {
        for (const free of [0, 100, 1_000, 3_000, 6_000, 9_000, 14_000, 20_000, 40_000]) {
          const dir = join(mnt, `w${free}`);
          mkdirSync(dir);
          const cli = new CliSandbox({ PODNET_INSTANT: '1' }, nodeFileSystem, dir);
          await cli.run('init', '--no-pods');
          for (let i = 0; i < 8; i++) {
            writeFileSync(join(dir, `p${i}.yaml`), podManifest(`p${i}`));
            expect((await cli.run('create', '-f', join(dir, `p${i}.yaml`))).code).toBe(0);
          }
          const before = readFileSync(join(dir, '.podnet/state.json'), 'utf8');
          fillDisk(mnt, free);
          let acknowledged = 8;
          for (let i = 8; i < 40; i++) {
            writeFileSafely(join(dir, `p${i}.yaml`), podManifest(`p${i}`));
            const result = await cli.run('create', '-f', join(dir, `p${i}.yaml`));
            if (result.code === 0) acknowledged++;
            else
              expect(result.stderr).toMatch(
                /^(error: cannot write .*: no space left on the device; nothing was changed|.*cannot read file.*)\n/m,
              );
          }
          rmSync(join(mnt, 'filler'), { force: true });
          const state = JSON.parse(readFileSync(join(dir, '.podnet/state.json'), 'utf8')) as { journal: unknown[] };
          expect(state.journal.length).toBe(acknowledged);
          expect(state.journal.length).toBeGreaterThanOrEqual(JSON.parse(before).journal.length);
          const listed = await cli.run('get', 'pods', '-o', 'name');
          expect(listed.code).toBe(0);
          expect(listed.stdout.split('\n').filter(Boolean)).toHaveLength(acknowledged);
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        spawnSync('umount', [mnt]);
        rmSync(mnt, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

/** Fills the file system at `mnt` until about `free` bytes are left. */
function fillDisk(mnt: string, free: number): void {
  const df = spawnSync('df', ['--output=avail', '-B1', mnt], { encoding: 'utf8' });
  const available = Number(df.stdout.trim().split('\n')[1]);
  try {
    writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, available - free)));
  } catch {
    // a full disk is what we wanted
  }
}

function writeFileSafely(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch {
    // the manifest itself may not fit; the create then fails to read it, which is also fine
  }
}

describe('a damaged state is detected, never re-saved, and recoverable', () => {
  let cli: CliSandbox;
  beforeEach(async () => {
    cli = new CliSandbox({ PODNET_INSTANT: '1' });
    await cli.run('init', '--no-pods');
    await cli.run('create', '-f', POD);
    await cli.run('fail', 'node', 'node-2');
  });
  afterEach(() => cli.dispose());

  const statePath = () => cli.path('.podnet/state.json');
  type Loose = Omit<WorkspaceState, 'journal'> & { journal: Record<string, unknown>[] };
  const state = (): Loose => JSON.parse(readFileSync(statePath(), 'utf8'));
  /** A damage that keeps a valid checksum: only the semantic checks can catch it. */
  const reseal = (edit: (s: Loose) => void) => {
    const s = state();
    edit(s);
    writeFileSync(statePath(), sealState(s as unknown as WorkspaceState));
  };

  async function expectRefused(pattern: RegExp): Promise<void> {
    const damaged = readFileSync(statePath(), 'utf8');
    const topology = readFileSync(cli.path('.podnet/topology.yaml'), 'utf8');
    for (const argv of [
      ['get', 'pods'],
      ['create', '-f', POD],
      ['fail', 'node', 'node-1'],
      ['bgp', 'summary'],
      ['delete', 'pod', 'date-pod'],
    ]) {
      const result = await cli.run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr).toMatch(/problems? found; the workspace \.podnet was left as it is/);
      expect(readFileSync(statePath(), 'utf8')).toBe(damaged);
      expect(readFileSync(cli.path('.podnet/topology.yaml'), 'utf8')).toBe(topology);
    }
  }

  it('a journal manifest that no longer resolves', async () => {
    reseal((s) => {
      (s.journal[0] as unknown as { manifest: { spec: { containers: unknown[] } } }).manifest.spec.containers = [
        { name: 'c' },
      ];
    });
    await expectRefused(
      /^\.podnet\/state\.json:\d+:\d+: journal\[0\]\.manifest\.spec\.containers\[0\]: missing required key "image"$/m,
    );
  });

  it('a failure of a machine that does not exist', async () => {
    reseal((s) => {
      s.journal[1] = { ...s.journal[1], name: 'node-9' };
    });
    await expectRefused(
      /^\.podnet\/state\.json:\d+:\d+: journal\[1\]\.name: "node-9" is not a node or router of this workspace's topology$/m,
    );
  });

  it('a journal that runs backwards, and a delete of a pod never created', async () => {
    reseal((s) => {
      s.journal[1] = { ...s.journal[1], at: 1 };
      s.journal.push({ op: 'delete', at: 5000, namespace: 'default', name: 'ghost' });
    });
    await expectRefused(/^\.podnet\/state\.json:\d+:\d+: journal\[1\]\.at: at 1 is before the entry above it/m);
    expect((await cli.run('get', 'pods')).stderr).toMatch(/journal\[2\]\.name: pod "default\/ghost" was never created/);
  });

  it('a topology snapshot cut in half', async () => {
    const path = cli.path('.podnet/topology.yaml');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
    await expectRefused(
      /^\.podnet\/topology\.yaml:1:1: the topology snapshot does not match the checksum its state recorded/m,
    );
  });

  it('an edit by hand breaks the checksum; recover restores the previous state and keeps the damaged file', async () => {
    const damaged = readFileSync(statePath(), 'utf8').replace('"up": false', '"up": true');
    writeFileSync(statePath(), damaged);
    await expectRefused(/checksum: the state does not match its checksum: it was damaged or edited outside podnet/);
    const recovered = await cli.run('workspace', 'recover');
    expect(recovered).toMatchObject({ code: 0, stderr: '' });
    expect(recovered.stdout).toBe(
      'workspace .podnet: restored the previous state (1 journal entries); the damaged file is kept as state.damaged.json and holds 1 later entry not restored\n',
    );
    expect(readFileSync(cli.path('.podnet/state.damaged.json'), 'utf8')).toBe(damaged);
    expect((await cli.run('get', 'pods')).stdout).toMatch(/^date-pod\s+1\/1\s+Running/m);
    expect((await cli.run('workspace', 'recover')).stdout).toBe('workspace .podnet is intact: nothing to recover\n');
  });

  it('recover --accept-edits seals a deliberate edit that passes every other check, and refuses one that does not', async () => {
    writeFileSync(statePath(), readFileSync(statePath(), 'utf8').replace('"up": false', '"up": true'));
    expect((await cli.run('workspace', 'recover', '--accept-edits')).stdout).toBe(
      'workspace .podnet: the edited state (2 journal entries) passes every check and is sealed as it is\n',
    );
    expect((await cli.run('bgp', 'summary')).code).toBe(0);
    writeFileSync(statePath(), readFileSync(statePath(), 'utf8').replace('"node-2"', '"node-9"'));
    const refused = await cli.run('workspace', 'recover', '--accept-edits');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/journal\[1\]\.name: "node-9" is not a node or router/);
  });
});
