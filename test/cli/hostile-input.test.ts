/**
 * No input crashes podnet: hostile YAML, files that are not files, inputs past Kubernetes'
 * ceiling, output places that cannot be written, and the small holes of the same kind. Each ends
 * in a located message (or one clear line) and exit 2 or 1, never "internal error".
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox({ PODNET_INSTANT: '1' });
});
afterEach(() => cli.dispose());

/** The seed lab without its pod file reference, so it stands alone in a sandbox. */
const SEED = readFileSync(repoPath('topologies/seed-lab.yaml'), 'utf8').replace(/\npods:\n.*\n/, '\n');

async function validate(name: string, text: string | Buffer) {
  writeFileSync(cli.path(name), text);
  return cli.run('validate', name);
}

describe('hostile YAML is a located error, not an internal error', () => {
  it('an alias bomb (billion laughs)', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [prev, name] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
      ['f', 'g'],
    ]) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const result = await validate('bomb.yaml', `${levels.join('\n')}\n`);
    expect(result).toMatchObject({
      code: 2,
      stderr:
        'bomb.yaml:2:8: aliases expand to more than 1,000 nodes (an alias bomb?); podnet does not expand them\n1 problem found\n',
    });
  });

  it('an alias to an undefined anchor, and a custom tag', async () => {
    expect((await validate('alias.yaml', 'cluster: *nowhere\n')).stderr).toBe(
      'alias.yaml:1:10: alias *nowhere names no anchor defined before it\n1 problem found\n',
    );
    expect((await validate('tag.yaml', 'cluster: !!js/function "x"\n')).stderr).toMatch(
      /^tag\.yaml:1:10: YAML syntax error \(TAG_RESOLVE_FAILED\)/,
    );
  });

  it('deep nesting and a very long scalar', async () => {
    const deep = await validate('deep.yaml', `cluster: ${'['.repeat(100)}${']'.repeat(100)}\n`);
    expect(deep).toMatchObject({ code: 2 });
    expect(deep.stderr).toMatch(/^deep\.yaml:1:\d+: nested more than 64 levels deep/);
    const long = await validate('long.yaml', `cluster:\n  name: ${'x'.repeat(70_000)}\n`);
    expect(long.stderr).toBe(
      'long.yaml:2:9: a value of 70,000 characters; podnet reads values of at most 65,536\n1 problem found\n',
    );
  });

  it('an 80,000-character selector is refused by the selector parser, not the stack', async () => {
    const selector = `${'!('.repeat(20_000)}all()${')'.repeat(20_000)}`.slice(0, 60_000);
    const text = SEED.replace(
      /pools:\n/,
      `pools:\n  - { name: hostile, cidr: 10.250.0.0/16, nodeSelector: "${selector}" }\n`,
    );
    const result = await validate('selector.yaml', text);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nodeSelector.*nested more than 32 levels deep/);
    const terms = Array.from({ length: 1_200 }, (_, i) => `k${i} == 'v'`).join(' && ');
    expect(
      (
        await validate(
          'terms.yaml',
          SEED.replace(/pools:\n/, `pools:\n  - { name: many, cidr: 10.250.0.0/16, nodeSelector: "${terms}" }\n`),
        )
      ).stderr,
    ).toMatch(/more than 1000 terms/);
  });

  it('a 309-digit duration, .nan and .inf are refused with what the user wrote', async () => {
    const events = `events:\n  - { at: ${'9'.repeat(309)}s, action: node-down, node: node-1 }\n  - { at: .nan, action: node-up, node: node-1 }\n`;
    const result = await validate('time.yaml', `${SEED}${events}`);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/events\[0\]\.at: a duration of at most 1000000000 seconds/);
    expect(result.stderr).not.toMatch(/undefined|NaN|\[object Object\]/);
  });

  it('an empty file is located at the file, not <unknown>', async () => {
    expect((await validate('empty.yaml', '')).stderr).toBe(
      'empty.yaml:1:1: the file holds no YAML document: a topology file needs a cluster: section (name, seed, bgp, ipam)\n1 problem found\n',
    );
  });

  it('raw binary and terminal escapes are shown escaped, never echoed', async () => {
    const result = await validate(
      'escape.yaml',
      Buffer.concat([
        Buffer.from('cluster:\n  name: x\n  seed: "\\e[31mred\\e]0;pwned\\a"\n  bgp: { asNumber: "'),
        Buffer.from([0xff, 0xfe, 0x01]),
        Buffer.from('" }\n'),
      ]),
    );
    expect(result.code).toBe(2);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may reach the terminal
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(result.stderr).toContain('cluster.seed: must be a number (found "\\x1b[31mred\\x1b]0;pwned\\x07")');
    expect(result.stderr).toContain('(found "\\ufffd\\ufffd\\x01")');
  });

  it("validate and check on a pod manifest show the pod's own errors", async () => {
    writeFileSync(
      cli.path('pod.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: c\n      imagee: nginx\n',
    );
    for (const command of ['validate', 'check']) {
      const result = await cli.run(command, 'pod.yaml');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'pod.yaml:8:7: spec.containers[0].imagee: unknown key "imagee" (did you mean "image"?)',
      );
    }
  });
});

describe('inputs that are not small regular files are refused before they are read', () => {
  it('devices, a FIFO and a directory', async () => {
    expect((await cli.run('create', '-f', '/dev/zero')).stderr).toMatch(
      /^\/dev\/zero:1:1: cannot read file: it is not a regular file/m,
    );
    expect((await cli.run('check', '/dev/urandom')).stderr).toMatch(
      /^\/dev\/urandom:1:1: cannot read file: it is not a regular file/m,
    );
    spawnSync('mkfifo', [cli.path('fifo')]);
    const fifo = await cli.run('check', 'fifo');
    expect(fifo).toMatchObject({ code: 2 });
    expect(fifo.stderr).toMatch(/^fifo:1:1: cannot read file: it is not a regular file/);
    mkdirSync(cli.path('adir'));
    expect((await cli.run('validate', 'adir')).stderr).toMatch(/^adir:1:1: cannot read file: it is a directory/);
  });

  it('a file over 8 MiB, unless --beyond-limits', async () => {
    const big = `${SEED}\n${'# padding\n'.repeat(900_000)}`;
    const refused = await validate('big.yaml', big);
    expect(refused.stderr).toBe(
      'big.yaml:1:1: cannot read file: it is 8.6 MiB; podnet reads files of at most 8 MiB (--beyond-limits reads up to 256 MiB)\n1 problem found\n',
    );
    expect((await cli.run('--beyond-limits', 'validate', 'big.yaml')).code).toBe(0);
  });

  it('more nodes, pods or replicas than Kubernetes allows', async () => {
    const replicas = await validate(
      'deploy.yaml',
      `${SEED}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: huge }\nspec:\n  replicas: 1000000\n  selector: { matchLabels: { app: huge } }\n  template:\n    metadata: { labels: { app: huge } }\n    spec: { containers: [{ name: c, image: nginx }] }\n`,
    );
    expect(replicas.stderr).toMatch(
      /^deploy\.yaml:\d+:13: spec\.replicas: 1000000 more pods would make 1000000; podnet models at most 150000 pods, Kubernetes' own limit \(--beyond-limits goes past it on purpose\)$/m,
    );
    const nodes = Array.from(
      { length: 5_001 },
      (_, i) => `  - { name: n${i}, address: 10.${(i >> 8) & 255}.${i & 255}.1/8 }`,
    ).join('\n');
    const many = await validate('nodes.yaml', `cluster: { name: big }\nnodes:\n${nodes}\n`);
    expect(many.stderr).toBe(
      "nodes.yaml:3:3: nodes: 5001 nodes; podnet models at most 5000, Kubernetes' own limit (--beyond-limits goes past it on purpose)\n1 problem found\n",
    );
  });

  it('generate refuses what its own check would reject', async () => {
    expect(await cli.run('generate', '--nodes', '100', '--pods-per-node', '10000')).toMatchObject({
      code: 1,
      stderr:
        "error: --nodes 100 × --pods-per-node 10000 is 1000000 pods; podnet models at most 150000 (Kubernetes' ceiling; --beyond-limits goes past it)\n",
    });
    expect((await cli.run('generate', '--nodes', '100000')).code).toBe(1);
    expect(await cli.run('generate', '--nodes', '3', '--pool', '10.0.0.0/30')).toMatchObject({
      code: 1,
      stderr: 'error: --pool 10.0.0.0/30 is smaller than one /26 block; a pool needs a prefix of /26 or shorter\n',
    });
  });
});

describe('output places that cannot be written: one clear line, nothing half-written', () => {
  it('-o naming a directory, a missing parent, or a file where a directory is wanted', async () => {
    mkdirSync(cli.path('out'));
    writeFileSync(cli.path('plain'), 'mine\n');
    expect(await cli.run('graph', '-o', 'out')).toMatchObject({
      code: 2,
      stderr: 'error: cannot write out: it is a directory; name a file to write; nothing was changed\n',
    });
    expect((await cli.run('generate', '--nodes', '3', '-o', 'missing/x.yaml')).stderr).toMatch(
      /^error: cannot write missing\/x\.yaml: its directory .*missing does not exist; nothing was changed\n$/,
    );
    expect((await cli.run('export', 'calico', 'plain')).stderr).toBe(
      'error: cannot write plain: it is a file, not a directory; nothing was changed\n',
    );
    expect((await cli.run('export', 'bird', '--all', '--dir', 'plain/sub')).stderr).toMatch(
      /^error: cannot write plain\/sub: .*plain is not a directory; nothing was changed\n$/,
    );
    expect((await cli.run('labs', 'open', 'route-reflectors', '--dir', 'plain')).code).toBe(2);
    expect(readFileSync(cli.path('plain'), 'utf8')).toBe('mine\n');
    expect((await cli.run('graph', '-o', '/proc/podnet.svg')).code).toBe(2);
  });

  it('a directory this user cannot write in, and first use there (as an unprivileged user)', () => {
    const locked = cli.path('locked');
    mkdirSync(locked);
    chmodSync(cli.dir, 0o755);
    chmodSync(locked, 0o555);
    const asNobody = (args: string[]) =>
      spawnSync(process.execPath, [repoPath('bin/podnet.js'), ...args], {
        cwd: locked,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '', PODNET_INSTANT: '1' },
        ...(process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}),
      });
    const first = asNobody(['get', 'pods']);
    expect(first.status).toBe(2);
    expect(first.stderr).toMatch(/^error: cannot write .*\.podnet.*: permission denied; nothing was changed\n$/);
    const graph = asNobody(['-t', repoPath('topologies/seed-lab.yaml'), 'graph', '-o', 'g.svg']);
    expect(graph.stderr).toMatch(
      /^error: cannot write g\.svg: cannot write in .*locked: permission denied; nothing was changed\n$/,
    );
    expect(readdirSync(locked)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0 && process.env['CI'] !== 'true')('a read-only file system', () => {
    const mnt = cli.path('ro');
    mkdirSync(mnt);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', mnt]).status).toBe(0);
    try {
      const result = spawnSync(process.execPath, [repoPath('bin/podnet.js'), 'init'], { cwd: mnt, encoding: 'utf8' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/read-only; nothing was changed\n$/);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

describe('the small holes', () => {
  it('an empty --state is refused; an empty PODNET_STATE means the default', async () => {
    expect(await cli.run('--state', '', 'get', 'pods')).toMatchObject({
      code: 1,
      stderr: 'error: --state is empty; name a directory for the workspace, or leave --state out for ./.podnet\n',
    });
    const envEmpty = new CliSandbox({ PODNET_INSTANT: '1', PODNET_STATE: '' });
    try {
      expect((await envEmpty.run('get', 'pods')).code).toBe(0);
      expect(existsSync(envEmpty.path('.podnet/state.json'))).toBe(true);
    } finally {
      envEmpty.dispose();
    }
  });

  it('init --force leaves a directory that is not a workspace alone', async () => {
    writeFileSync(cli.path('topology.yaml'), 'my own file\n');
    const result = await cli.run('--state', '.', 'init', '--force');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/holds no podnet workspace \(no state\.json\); podnet leaves it alone/);
    expect(readFileSync(cli.path('topology.yaml'), 'utf8')).toBe('my own file\n');
    mkdirSync(cli.path('mine'));
    writeFileSync(cli.path('mine/notes.txt'), 'keep\n');
    expect((await cli.run('--state', 'mine', 'get', 'pods')).code).toBe(1);
    expect(readdirSync(cli.path('mine'))).toEqual(['notes.txt']);
  });

  it('init --force replaces a workspace whole', async () => {
    await cli.run('init');
    expect((await cli.run('init', '--force', repoPath('topologies/rr-lab.yaml'))).code).toBe(0);
    expect(readdirSync(cli.dir)).toEqual(['.podnet']);
    expect((await cli.run('get', 'nodes')).stdout).toMatch(/^rr-1/m);
  });

  it('fail link with one machine named twice', async () => {
    await cli.run('init');
    expect(await cli.run('fail', 'link', 'node-1', 'node-1')).toMatchObject({
      code: 1,
      stderr: 'error: a link joins two different machines; "node-1" was named twice\n',
    });
  });
});

describe('names a user typed are echoed safely', () => {
  it('a terminal escape in a machine name is shown escaped in the refusal', async () => {
    await cli.run('init');
    const result = await cli.run('fail', 'node', '\u001b]0;pwned\u0007node');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('\\x1b]0;pwned\\x07node');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may reach the terminal
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});
