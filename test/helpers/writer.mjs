// One concurrent writer for the workspace-lock test: runs `podnet create -f` on each file given,
// in this process, one after another, and prints the pod names podnet acknowledged ("created").
import { main } from '../../dist/cli/main.js';
import { nodeFileSystem } from '../../dist/io/fs.js';

const [cwd, ...files] = process.argv.slice(2);
for (const file of files) {
  let out = '';
  let err = '';
  const code = await main(['create', '-f', file], {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env: { PODNET_INSTANT: '1', PODNET_LOCK_WAIT: '60' },
    cwd,
    wallMs: () => Date.now(),
    fs: nodeFileSystem,
  });
  const acknowledged = /^pod\/(\S+) created$/m.exec(out);
  if (code === 0 && acknowledged) process.stdout.write(`${acknowledged[1]}\n`);
  else process.stderr.write(`exit ${code}: ${err}`);
}
