/**
 * A seeded fuzz run small enough for CI: mutants of every shipped topology through validate,
 * check and status (or create -f). Not one may end in an internal error or an unlocated message.
 * `npm run fuzz` runs many more, each in a worker with a time and memory limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exercise, type Outcome } from '../../src/fuzz/exercise.js';
import { mutants } from '../../src/fuzz/mutate.js';
import { prepareDirectory, seedlings } from '../../src/fuzz/seedlings.js';
import { repoPath } from '../helpers/cli.js';

describe('fuzz', () => {
  it('600 mutants of the shipped topologies: no internal error, no unlocated message, none slow, memory bounded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podnet-fuzz-'));
    try {
      prepareDirectory(repoPath('topologies'), dir);
      const bad: Outcome[] = [];
      for (const mutant of mutants(seedlings(repoPath('topologies')), 20261130, 600)) {
        const outcome = await exercise(mutant, dir);
        if (outcome.verdict !== 'held' || outcome.ms > 5_000)
          bad.push({ ...outcome, detail: `${outcome.detail ?? ''} [${mutant.edits.join('; ')}]` });
      }
      expect(bad).toEqual([]);
      // Bounded memory: no mutant (an alias bomb, a million replicas) may have grown the heap past this.
      expect(process.memoryUsage().rss).toBeLessThan(1.5 * 1024 ** 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
