/** Tests run against real servers started once per run by test/setup/global-setup.ts. */
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** Installed packages that ship only ES modules (@kubernetes/client-node and some of its dependencies). */
function esmOnlyPackages(dir = join(__dirname, 'node_modules')) {
  const names = readdirSync(dir).flatMap((n) => (n.startsWith('@') ? readdirSync(join(dir, n)).map((s) => `${n}/${s}`) : [n]));
  return names.filter((name) => {
    try {
      return JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')).type === 'module';
    } catch {
      return false;
    }
  });
}

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** MEND_TESTS=crash runs only the crash suite (test/crash-*.test.ts, `npm run test:crash`), MEND_TESTS=main all but it. */
const only = process.env.MEND_TESTS;

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: [only === 'crash' ? '**/crash-*.test.ts' : '**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(only === 'main' ? ['/crash-[^/]*\\.test\\.ts$'] : [])],
  // Jest on Node 20 cannot require() an ES module: those packages are compiled to CommonJS like the tests.
  transform: { '^.+\\.(ts|m?js)$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages().map(escapeRegex).join('|')})/)`],
  // A pack imports mend's authoring API by name; inside this repository it is the source itself.
  moduleNameMapper: Object.fromEntries(
    Object.keys(require('./package.json').exports)
      .filter((entry) => entry !== './package.json')
      .map((entry) => [entry === '.' ? '^mend$' : `^mend/${entry.slice(2)}$`, `<rootDir>/sdk/${entry === '.' ? 'index' : entry.slice(2)}.ts`]),
  ),
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFiles: ['<rootDir>/common/quiet-runtime.ts', '<rootDir>/test/setup/builtin-packs.ts', '<rootDir>/test/setup/approval-key.ts'],
  testTimeout: 120_000,
  maxWorkers: 2,
};
