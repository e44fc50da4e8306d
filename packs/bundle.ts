// The workflow bundle of the engine and every pack's runbooks, built by webpack (Temporal's bundler) and cached
// by content: a worker whose engine and packs have not changed loads the bundle it built before, in milliseconds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { disallowedModules } from '@temporalio/worker/lib/workflow/bundler';
import { projectRoot } from '../common/project-root';
import type { LoadedPack } from './load';
import { PackError } from './pack-error';
import { sdkModules } from './require-ts';

const engineDir = dirname(require.resolve('../workflows'));
const engineRoot = dirname(engineDir);
const workflowPackage = dirname(require.resolve('@temporalio/workflow/package.json'));
const zodPackage = dirname(require.resolve('zod/package.json'));

export interface BundleOptions {
  /** Where bundles are kept; default MEND_BUNDLE_CACHE, else ~/.cache/mend/bundles. */
  cacheDir?: string;
  /** Told when a bundle is built (it takes seconds), not when a cached one is used. */
  onBuild?: (key: string) => void;
}

/** The path of the workflow bundle for these packs: the cached one, or one built now. */
export async function workflowBundle(packs: LoadedPack[], options: BundleOptions = {}): Promise<string> {
  const entry = entrySource(packs);
  const key = contentKey(entry, packs);
  const dir = options.cacheDir ?? defaultCacheDir();
  const file = join(dir, `workflow-bundle-${key}.js`);
  if (existsSync(file)) {
    touch(file); // in use: not pruned
    return file;
  }
  options.onBuild?.(key);
  mkdirSync(dir, { recursive: true });
  const entryFile = join(dir, `entry-${key}.${process.pid}.js`); // another worker may be bundling the same key
  writeFileSync(entryFile, entry);
  try {
    const code = await build(entryFile, packs);
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, file); // atomic: a reader sees the whole bundle or none
  } finally {
    rmSync(entryFile, { force: true });
  }
  prune(dir);
  return file;
}

/** Bundles no worker has used for this long are deleted when a new one is built: each engine or pack change adds one. */
export const unusedBundleAge = 30 * 24 * 3600 * 1000;
/** What a bundler that crashed left (its entry file, a partial bundle) is deleted after this long. */
const leftoverAge = 3600 * 1000;

function prune(dir: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const age = now - statSync(path).mtimeMs;
    const bundle = /^workflow-bundle-[0-9a-f]+\.js$/.test(name);
    const leftover = /^entry-.*\.js$|\.tmp$/.test(name);
    if ((bundle && age > unusedBundleAge) || (leftover && age > leftoverAge)) rmSync(path, { force: true });
  }
}

function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // a read-only cache (an image) is never pruned either
  }
}

export function defaultCacheDir(): string {
  if (process.env.MEND_BUNDLE_CACHE) return process.env.MEND_BUNDLE_CACHE;
  const home = homedir();
  return home && home !== '/' ? join(home, '.cache', 'mend', 'bundles') : join(tmpdir(), 'mend-bundles');
}

/** The bundle's entry: the engine's workflows, and each pack's runbook modules registered in the catalog. */
function entrySource(packs: LoadedPack[]): string {
  const lines = [
    `export * from ${JSON.stringify(engineDir)};`,
    `export { default } from ${JSON.stringify(engineDir)};`,
    `import { registerRunbooks } from ${JSON.stringify(join(engineDir, 'catalog'))};`,
  ];
  let i = 0;
  for (const pack of packs) {
    for (const file of pack.runbookFiles) {
      lines.push(`import * as m${i} from ${JSON.stringify(file)};`);
      lines.push(`registerRunbooks(${JSON.stringify(pack.name)}, ${JSON.stringify(file)}, m${i++});`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A hash of what goes into the bundle: the entry, every folder of the engine that workflow code imports from (and
 * this bundler), the installed dependencies (the lockfile) and the packs. A pack that imports files outside its own
 * folder must say so in its own files (e.g. its package-lock.json) to be rebundled when they change.
 */
function contentKey(entry: string, packs: LoadedPack[]): string {
  const hash = createHash('sha256').update(entry);
  const lockfile = join(projectRoot(), 'package-lock.json');
  if (existsSync(lockfile)) hash.update(readFileSync(lockfile));
  const sdkVersion = JSON.parse(readFileSync(join(workflowPackage, 'package.json'), 'utf8')).version;
  hash.update(`@temporalio/workflow@${sdkVersion}\n`);
  const engineFolders = ['workflows', 'common', 'sdk', 'config', 'activities', 'packs'];
  const engineFiles = engineFolders.flatMap((d) => filesUnder(join(engineRoot, d)));
  // A pack's tests, recorded histories and docs are not part of its bundle.
  const packFiles = packs.flatMap((p) => filesUnder(p.dir).filter((f) => !f.startsWith(join(p.dir, 'test', '')) && !f.endsWith('.md')));
  for (const file of [...engineFiles, ...packFiles]) hash.update(`${file}\n`).update(readFileSync(file));
  return hash.digest('hex').slice(0, 20);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => !name.split(sep).some((part) => part === 'node_modules' || part.startsWith('.')))
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile() && !file.endsWith('.map'))
    .sort();
}

type Externals = (data: { request?: string; contextInfo?: { issuer?: string } }, callback: unknown) => unknown;

async function build(entryFile: string, packs: LoadedPack[]): Promise<string> {
  const errors: string[] = [];
  let forbidden: { pack: LoadedPack; file: string; module: string } | undefined;
  const packOf = (file: string) => packs.find((p) => !relative(p.dir, file).startsWith('..'));
  const log = (level: string) => (message: string) => void (level === 'error' && errors.push(message));
  try {
    const { code } = await bundleWorkflowCode({
      workflowsPath: entryFile,
      preloadModules: [join(engineDir, 'shared-modules')],
      logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, log: () => undefined, warn: log('warn'), error: log('error') },
      webpackConfigHook: (config) => {
        config.resolve!.alias = {
          ...(config.resolve!.alias as Record<string, string>),
          ...Object.fromEntries(Object.entries(sdkModules).map(([name, file]) => [`${name}$`, file])),
          '@temporalio/workflow': workflowPackage,
          zod$: zodPackage, // one zod for the engine, the packs and the preload
        };
        // A pack installed from npm may ship TypeScript: compile it too (the SDK's rule skips node_modules).
        for (const rule of config.module!.rules as { test?: RegExp; exclude?: unknown }[]) {
          if (String(rule.test) === String(/\.ts$/)) rule.exclude = (file: string) => file.includes(`${sep}node_modules${sep}`) && !packOf(file);
        }
        const externals = config.externals as Externals;
        config.externals = (data: Parameters<Externals>[0], callback: unknown) => {
          const module = data.request?.replace(/^node:/, '') ?? '';
          const issuer = data.contextInfo?.issuer ?? '';
          const pack = packOf(issuer);
          if (pack && !forbidden && disallowedModules.includes(module)) forbidden = { pack, file: issuer, module };
          return externals(data, callback);
        };
        return config;
      },
    });
    return code;
  } catch (err) {
    if (forbidden) {
      const { pack, file, module } = forbidden;
      throw new PackError(pack.name, file, `runbook code imports "${module}", which workflow code may not use (do I/O in an action)`);
    }
    const detail = errors.join('\n') || (err as Error).message;
    const file = /(\/[^\s:()]+\.[cm]?[jt]s)/.exec(detail)?.[1];
    const pack = file ? packOf(file) : undefined;
    if (pack && file) throw new PackError(pack.name, file, `does not compile:\n${detail.split('\n').slice(0, 15).join('\n')}`);
    throw err;
  }
}
