// `mend new pack <dir>` and `mend new runbook <name> --pack <dir>`: a team's own pack, outside mend, whose runbook
// test passes as generated. Nothing existing is overwritten.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { projectRoot } from '../common/project-root';
import { readManifest } from '../packs/manifest';
import { packageJson, packReadme, routesYaml, runbookFile, runbookTest, tsconfigJson } from './scaffold-templates';
import { UsageError } from '../client/usage-error';

const nameRule = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Writes a new pack's skeleton into `dir` (which must not exist or be empty); returns the files written. */
export function scaffoldPack(dir: string, name = basename(resolve(dir))): string[] {
  if (!nameRule.test(name)) throw new UsageError(`"${name}" cannot name a pack: use lowercase letters, digits and dashes (--name)`);
  if (existsSync(dir) && readdirSync(dir).length) throw new UsageError(`${dir} exists and is not empty`);
  const mend = relative(resolve(dir), projectRoot()) || '.';
  return writeAll(dir, {
    'package.json': packageJson(name, `file:${mend}`),
    'tsconfig.json': tsconfigJson,
    'routes.yaml': routesYaml(name),
    'README.md': packReadme(name),
    'runbooks/.gitkeep': '',
    'test/histories/.gitkeep': '',
  });
}

/** Writes a runbook and its test into the pack in `packDir`; returns the files written. */
export function scaffoldRunbook(packDir: string, name: string): string[] {
  if (!nameRule.test(name)) throw new UsageError(`"${name}" cannot name a runbook: use lowercase letters, digits and dashes`);
  readManifest(resolve(packDir)); // a clear error when it is not a pack
  const files = { [`runbooks/${name}.ts`]: runbookFile(name), [`test/${name}.test.ts`]: runbookTest(name) };
  for (const file of Object.keys(files)) if (existsSync(join(packDir, file))) throw new UsageError(`${join(packDir, file)} exists`);
  return writeAll(packDir, files);
}

function writeAll(dir: string, files: Record<string, string>): string[] {
  return Object.entries(files).map(([file, text]) => {
    const path = join(dir, file);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  });
}
