// `mend test <pack>`, `mend replay <pack>` and `mend build`: what a team runs on its own pack, in its repository.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { projectRoot } from '../common/project-root';
import { workflowBundle } from '../packs/bundle';
import { builtinPacks, loadPacks } from '../packs/load';
import { readManifest } from '../packs/manifest';
import { sdkModules } from '../packs/require-ts';
import type { Out } from './session';
import { UsageError } from '../client/usage-error';

/** The crash tests' files (`mend test --crash`); the other tests are every other *.test.ts. */
const crashTests = '\\.crash\\.test\\.ts$';

/** The jest config a pack's tests run under: mend's own transform, with `mend` meaning the running engine. */
function packJestConfig(dir: string, crash: boolean): Record<string, unknown> {
  const base = require(join(projectRoot(), 'jest.config.js')) as { transform: Record<string, [string, unknown]>; transformIgnorePatterns: string[] };
  const transform = Object.fromEntries(Object.entries(base.transform).map(([k, [loader, opts]]) => [k, [require.resolve(loader), opts]]));
  return {
    rootDir: dir,
    roots: ['<rootDir>'],
    testMatch: [crash ? '<rootDir>/test/**/*.crash.test.ts' : '<rootDir>/test/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', ...(crash ? [] : [crashTests])],
    testEnvironment: 'node',
    transform,
    transformIgnorePatterns: base.transformIgnorePatterns,
    moduleNameMapper: Object.fromEntries(Object.entries(sdkModules).map(([name, file]) => [`^${name}$`, file])),
    setupFiles: [require.resolve('../common/quiet-runtime')],
    testTimeout: 120_000,
  };
}

/** Runs the pack's tests (or with `crash`, its crash tests) with jest; resolves to jest's exit code. Extra arguments go to jest. */
export async function testPack(dir: string, jestArgs: string[], { crash = false } = {}): Promise<number> {
  const packDir = resolve(dir);
  readManifest(packDir);
  if (!existsSync(join(packDir, 'test'))) throw new UsageError(`${packDir} has no test/ folder (mend new runbook writes one)`);
  const jest = require.resolve('jest/bin/jest');
  const args = [jest, '--config', JSON.stringify(packJestConfig(packDir, crash)), ...jestArgs];
  const child = spawn(process.execPath, args, { cwd: packDir, stdio: 'inherit' });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

/** Replays every history in the pack's test/histories/ on the current code; 0 when all replay, 1 otherwise. */
export async function replayPack(dir: string, out: Out): Promise<number> {
  const packDir = resolve(dir);
  const histories = join(packDir, 'test', 'histories');
  const files = existsSync(histories)
    ? readdirSync(histories)
        .filter((f) => f.endsWith('.pb'))
        .sort()
    : [];
  if (!files.length) throw new UsageError(`no histories in ${histories}: run the pack's tests first (mend test ${dir})`);
  const ids = JSON.parse(readFileSync(join(histories, 'index.json'), 'utf8')) as Record<string, string>;
  require('../common/quiet-runtime');
  const codePath = await workflowBundle(loadPacks([...builtinPacks, packDir]), { onBuild: () => out('bundling the workflow code...') });
  let failed = 0;
  for (const file of files) {
    const history = temporal.api.history.v1.History.decode(readFileSync(join(histories, file)));
    try {
      if (!ids[file]) throw new Error(`${file} is not in index.json`);
      await Worker.runReplayHistory({ workflowBundle: { codePath } }, history, ids[file]);
      out(`ok      ${file}`);
    } catch (err) {
      failed++;
      out(`FAILED  ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  out(`${files.length - failed} of ${files.length} histories replay`);
  return failed ? 1 : 0;
}
