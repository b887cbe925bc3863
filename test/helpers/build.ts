/**
 * vitest's global setup: tests that run the built command (bin/podnet.js, the fuzz writer, the
 * TUI in tmux) get a dist/ built from the current source, even when vitest runs on its own.
 * tsc -b is incremental, so after `npm test` has built, this only confirms dist/ is current.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export default function setup(): void {
  const root = resolve(import.meta.dirname, '../..');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', resolve(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
}
