// Lets Node load a pack's TypeScript as it is (swc strips the types, as the workflow bundler does), and makes
// every `import ... from 'mend'` in a pack mean the engine that is running, not a second copy of it.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { transformSync } from '@swc/core';
import { projectRoot } from '../common/project-root';

/** What a pack may import from mend (package.json's exports: "." is sdk/index, "./core" sdk/core, ...). */
export const sdkModules: Record<string, string> = Object.fromEntries(
  Object.keys((JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { exports: object }).exports)
    .filter((entry) => entry !== './package.json')
    .map((entry) => {
      const sub = entry.slice(2);
      return [sub ? `mend/${sub}` : 'mend', require.resolve(`../sdk/${sub || 'index'}`)];
    }),
);

type Loader = (module: { _compile(code: string, file: string): void }, file: string) => void;
const internals = Module as unknown as {
  _extensions: Record<string, Loader>;
  _resolveFilename: (request: string, ...rest: unknown[]) => string;
};

let installed = false;

/** Installs the hooks once per process. Inside jest (which has its own module system) they are never reached. */
export function installPackHooks(): void {
  if (installed) return;
  installed = true;
  const resolve = internals._resolveFilename;
  internals._resolveFilename = function (request, ...rest) {
    return resolve.call(this, sdkModules[request] ?? request, ...rest);
  };
  if (internals._extensions['.ts']) return; // something (ts-node, swc-node) already compiles TypeScript
  internals._extensions['.ts'] = (module, file) => {
    const { code } = transformSync(readFileSync(file, 'utf8'), {
      filename: file,
      sourceMaps: 'inline',
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
      module: { type: 'commonjs' },
    });
    module._compile(code, file);
  };
}
