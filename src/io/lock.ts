/**
 * The workspace lock: writers of one workspace take turns. A writer creates `<workspace>/lock`
 * exclusively (with its pid and command), re-reads the workspace, changes it, and removes the
 * lock. A lock whose holder's process is gone (killed, crashed) is stale and is broken. A writer
 * that cannot take the lock within the wait gives up and names the holder, having written nothing.
 */
import { join } from 'node:path';
import type { FileSystem, LockHolder } from './fs.js';
import { LOCK_FILE } from './workspace.js';

/** How long a writer waits for another to finish: a command takes well under a second. */
export const LOCK_WAIT_MS = 5_000;
const POLL_MS = 25;

export type Locked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly holder?: LockHolder; readonly waitedMs: number };

export function withWorkspaceLock<T>(
  fs: FileSystem,
  dir: string,
  holder: Omit<LockHolder, 'pid'>,
  waitMs: number,
  work: () => T,
): Locked<T> {
  const path = join(dir, LOCK_FILE);
  let waited = 0;
  for (;;) {
    const attempt = fs.tryLock(path, holder);
    if (attempt.ok) {
      try {
        return { ok: true, value: work() };
      } finally {
        attempt.release();
      }
    }
    if (waited >= waitMs)
      return attempt.holder === undefined
        ? { ok: false, waitedMs: waited }
        : { ok: false, holder: attempt.holder, waitedMs: waited };
    fs.sleep(POLL_MS);
    waited += POLL_MS;
  }
}
