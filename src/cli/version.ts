/** podnet's version, as package.json states it (test/cli/bin.test.ts keeps the two equal). */
export const VERSION = '0.1.0';
