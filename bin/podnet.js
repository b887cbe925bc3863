#!/usr/bin/env node
// The podnet command: the only place that touches the real process.
// The build bundles the command line (dist/bundle/): starting resolves a few modules, not dozens.
import { main, nodeFileSystem } from '../dist/bundle/entry.js';

// A reader that stops early (`podnet ... | head`) closes the pipe: end quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  wallMs: () => Date.now(),
  fs: nodeFileSystem,
  ...(process.stdin.isTTY && process.stdout.isTTY
    ? { terminal: { stdin: process.stdin, stdout: process.stdout } }
    : {}),
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(
      `podnet: internal error (a bug; please report it): ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 70;
  },
);
