/**
 * Bugs that made podnet's answers depend on something besides its input: the machine's locale,
 * a BGP port hard-coded where the topology sets another, and a cache key that could collide.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttributeTable, OriginatedAttributes } from '../../src/core/bgp/attributes.js';
import { CliSandbox, repoPath } from '../helpers/cli.js';

const TWO_NAMES = `cluster: { name: locale }
nodes:
  - { name: node-b, address: 10.0.1.12/24 }
  - { name: node-aa, address: 10.0.1.11/24 }
events:
  - { at: 100, action: node-down, node: node-b }
`;

describe('output does not depend on the locale', () => {
  it('get nodes and events are the same under en_US and da_DK (where "aa" sorts after "z")', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-locale-'));
    try {
      writeFileSync(join(dir, 't.yaml'), TWO_NAMES);
      const run = (locale: string, args: string[]) =>
        spawnSync(process.execPath, [repoPath('bin/podnet.js'), '-t', 't.yaml', ...args], {
          cwd: dir,
          encoding: 'utf8',
          env: { PATH: process.env['PATH'] ?? '', LC_ALL: locale, LANG: locale },
        });
      for (const args of [['get', 'nodes'], ['events']]) {
        const english = run('en_US.UTF-8', args);
        const danish = run('da_DK.UTF-8', args);
        expect(english.status).toBe(0);
        expect(danish.stdout).toBe(english.stdout);
      }
      expect(
        run('da_DK.UTF-8', ['get', 'nodes'])
          .stdout.split('\n')
          .slice(1, 3)
          .map((l) => l.split(/\s+/)[0]),
      ).toEqual(['node-aa', 'node-b']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bgp.listenPort is the port BGP uses', () => {
  const topology = readTopology().replace('bgp:\n', 'bgp:\n    listenPort: 1790\n');

  it('blocking the listen port drops the sessions; blocking 179 leaves them up', async () => {
    for (const [port, established] of [
      ['1790', false],
      ['179', true],
    ] as const) {
      const cli = new CliSandbox({ PODNET_INSTANT: '1' });
      try {
        writeFileSync(cli.path('t.yaml'), topology);
        expect((await cli.run('init', 't.yaml')).code).toBe(0);
        expect((await cli.run('block-port', 'node-1', port)).stdout).toMatch(
          new RegExp(`^TCP port ${port} on node-1 blocked`),
        );
        const status = await cli.run('bgp', 'status', 'node-1');
        const peers = status.stdout.split('\n').filter((l) => /\| 10\.0\.1\.\d+/.test(l));
        expect(peers).toHaveLength(2);
        for (const line of peers) expect(/\| up\s+\|/.test(line), line).toBe(established);
      } finally {
        cli.dispose();
      }
    }
  });

  it('block-port without a port blocks the listen port, and bird answers on it', async () => {
    const cli = new CliSandbox({ PODNET_INSTANT: '1' });
    try {
      writeFileSync(cli.path('t.yaml'), topology);
      await cli.run('init', 't.yaml');
      expect((await cli.run('block-port', 'node-2')).stdout).toMatch(/^TCP port 1790 on node-2 blocked/);
    } finally {
      cli.dispose();
    }
  });
});

function readTopology(): string {
  return `cluster:
  name: port
  bgp:
    asNumber: 64512
nodes:
  - { name: node-1, address: 10.0.1.11/24 }
  - { name: node-2, address: 10.0.1.12/24 }
  - { name: node-3, address: 10.0.1.13/24 }
`;
}

describe('originated attribute sets', () => {
  it('one next hop with two ASes gives two sets, each with its own AS path', () => {
    const table = new AttributeTable();
    const originated = new OriginatedAttributes(table);
    const nextHop = 0xc0a80101; // 192.168.1.1: large enough that nextHop * 2^32 is past 2^53
    const a = originated.get(nextHop, 64512);
    const b = originated.get(nextHop, 64513);
    expect(a).not.toBe(b);
    expect(table.get(a).asPath).toEqual([64512]);
    expect(table.get(b).asPath).toEqual([64513]);
    expect(originated.get(nextHop, undefined)).not.toBe(a);
    expect(originated.get(nextHop, 64512)).toBe(a);
  });
});
