/**
 * vitest's global setup: tests that run the built command (bin/podnet.js, the fuzz writer, the
 * TUI in tmux) get a dist/ built from the current source, even when vitest runs on its own:
 * `npm run build` (tsc -b is incremental; the bundle takes a fraction of a second).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  const root = resolve(import.meta.dirname, '../..');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}
