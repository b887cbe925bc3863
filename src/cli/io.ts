/** What the CLI touches outside itself, injected so tests run it in-process and capture all. */
import type { FileSystem } from '../io/fs.js';
import type { Terminal } from '../tui/run.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  wallMs(): number;
  readonly fs: FileSystem;
  /** Present only when standard input and output are both terminals. */
  readonly terminal?: Terminal;
}
