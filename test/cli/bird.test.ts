/**
 * BIRD configurations users can run: every node's and router's file for every shipped lab parses
 * with the real BIRD 2 (`bird -p -c`), and says what Calico's confd would say.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';
import { needs } from '../helpers/tools.js';

const cli = new CliSandbox();
afterAll(() => cli.dispose());

const LABS = readdirSync(repoPath('topologies')).filter((f) => f.endsWith('.yaml'));
const BIRD = '/usr/sbin/bird';

const bird = needs('/usr/sbin/bird', 'apt-get install bird2; .ci/run does');

describe.skipIf(bird.skip)('podnet export bird', () => {
  it('has real BIRD 2 to check against (.ci/run installs bird2)', () => {
    const version = spawnSync(BIRD, ['--version'], { encoding: 'utf8' });
    expect(`${version.stdout}${version.stderr}`).toMatch(/BIRD version 2\./);
  });

  for (const lab of LABS) {
    it(`${lab}: every exported file parses with bird -p`, async () => {
      const dir = lab.replace('.yaml', '');
      const result = await cli.run('-t', repoPath('topologies', lab), 'export', 'bird', '--all', '--dir', dir);
      expect(result.code).toBe(0);
      const files = readdirSync(cli.path(dir));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const check = spawnSync(BIRD, ['-p', '-c', cli.path(dir, file)], { encoding: 'utf8' });
        expect({ file, status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({
          file,
          status: 0,
          output: '',
        });
      }
    });
  }

  it('writes what confd writes: mesh peers named by address, passive towards higher addresses, blackholes for blocks', async () => {
    const { stdout } = await cli.run('-t', repoPath('topologies/seed-lab.yaml'), 'export', 'bird', 'node-1');
    expect(stdout).toContain('router id 10.0.1.11;\n');
    expect(stdout).toContain('protocol static static1 {\n  ipv4;\n  route 192.168.61.0/26 blackhole;\n}\n');
    expect(stdout).toMatch(
      /protocol bgp Mesh_10_0_1_12 from bgp_template \{\n {2}neighbor 10\.0\.1\.12 as 64512;\n {2}source address 10\.0\.1\.11;\n {2}passive on;\n/,
    );
    expect(stdout).toMatch(
      /protocol bgp Mesh_10_0_1_10 from bgp_template \{\n {2}neighbor 10\.0\.1\.10 as 64512;\n {2}source address 10\.0\.1\.11;\n {2}graceful restart time 120;\n {2}ipv4/,
    );
    expect(stdout).toContain('  if ( net ~ 192.168.0.0/16 ) then { accept; }\n');
  });

  it('marks reflector clients with the cluster ID', async () => {
    const { stdout } = await cli.run('-t', repoPath('topologies/rr-lab.yaml'), 'export', 'bird', 'rr-1');
    expect(stdout).toMatch(
      /protocol bgp Node_10_0_0_11 from bgp_template \{\n {2}neighbor 10\.0\.0\.11 as 64512;\n {2}source address 10\.0\.0\.2;\n {2}rr client;\n {2}rr cluster id 244\.0\.0\.1;\n/,
    );
    expect(stdout).toMatch(
      /protocol bgp Node_10_0_0_3 from bgp_template \{\n {2}neighbor 10\.0\.0\.3 as 64512;\n {2}source address 10\.0\.0\.2;\n {2}ipv4/,
    );
  });
});
