/**
 * Tests that need a program from outside npm (tmux, BIRD 2): on a laptop without it they are
 * skipped and say why; in CI (CI=true), which installs both, a missing program fails the run
 * instead of quietly skipping what CI exists to check.
 */
import { spawnSync } from 'node:child_process';

export interface ToolCheck {
  /** True when the tests should be skipped (missing, and not in CI). */
  readonly skip: boolean;
  readonly reason: string;
}

export function needs(program: string, install: string): ToolCheck {
  const probe = spawnSync(program, ['-V'], { stdio: 'ignore' });
  const present = probe.error === undefined;
  const inCi = process.env['CI'] === 'true';
  const reason = `${program} is not installed (${install})`;
  if (!present && !inCi) console.warn(`skipping tests that need ${program}: ${reason}`);
  return { skip: !present && !inCi, reason };
}
