/** The shipped JSON Schema is what the code validates, and every shipped topology points at it. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topologyJsonSchema } from '../src/cli/commands/workspace.js';
import { repoPath } from './helpers/cli.js';

describe('topology JSON Schema', () => {
  it('schema/topology.schema.json is up to date (regenerate with npm run schema)', () => {
    const shipped = JSON.parse(readFileSync(repoPath('schema/topology.schema.json'), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(topologyJsonSchema())));
  });

  it('describes the topology keys with their Calico defaults', () => {
    const text = JSON.stringify(topologyJsonSchema());
    for (const key of [
      'nodeToNodeMeshEnabled',
      'strictAffinity',
      'maxBlocksPerHost',
      'blockSize',
      'ipipMode',
      'routeReflectorClusterID',
      'peerSelector',
    ]) {
      expect(text).toContain(`"${key}"`);
    }
    expect(text).toContain('"default":64512');
  });

  it('every shipped topology references the schema for editors', () => {
    const files = readdirSync(repoPath('topologies')).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      expect(readFileSync(repoPath('topologies', file), 'utf8').split('\n')[0]).toBe(
        '# yaml-language-server: $schema=../schema/topology.schema.json',
      );
    }
  });
});
