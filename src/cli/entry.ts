/**
 * What bin/podnet.js loads: the command line and the real file system, bundled by the build
 * (esbuild, after tsc) into dist/bundle/ so that starting podnet resolves a handful of modules,
 * not every one it is made of; commands load their own parts when they run.
 */
export { nodeFileSystem } from '../io/fs.js';
export { main } from './main.js';
