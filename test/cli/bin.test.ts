/** The installed command, as a shell runs it: the built bin/podnet.js in a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../helpers/cli.js';

function podnet(args: string[], cwd: string) {
  return spawnSync(process.execPath, [repoPath('bin/podnet.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PODNET_INSTANT: '1' },
  });
}

describe('bin/podnet.js', () => {
  it('prints help listing every command, exit 0', () => {
    const result = podnet(['--help'], repoPath());
    expect(result.status).toBe(0);
    for (const command of [
      'status',
      'init',
      'create',
      'apply',
      'get',
      'describe',
      'delete',
      'ipam',
      'validate',
      'schema',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('runs the main job on the default lab in a fresh directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-bin-'));
    try {
      const result = podnet(['status'], dir);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Cluster seed-lab,/);
      expect(result.stdout).toMatch(/^default\s+date-pod\s+1\/1\s+Running\s+0\s+\S+\s+192\.168\.\d+\.\d+\s+node-1\s/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input exits 2 without a stack trace; unknown commands exit 1', () => {
    const bad = podnet(['validate', 'topologies/broken/duplicates.yaml'], repoPath());
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^topologies\/broken\/duplicates\.yaml:6:13: /m);
    expect(bad.stderr).not.toMatch(/^\s+at /m);
    const unknown = podnet(['frobnicate'], repoPath());
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });
});
