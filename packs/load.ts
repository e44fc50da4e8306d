// Loads packs in Node: built-ins first, then the config's, each once per process. Their runbooks go into the
// catalog; their actions definitions and routes are kept for the worker and the gateway.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../common/project-root';
import { isActionsDefinition, type ActionsDefinition } from '../sdk/actions';
import { isConfigDefinition, type ConfigDefinition } from '../sdk/config';
import { isDrillsDefinition, type DrillsDefinition } from '../sdk/drills';
import { DuplicateRunbookError, registerRunbooks } from '../workflows/catalog';
import { packDir, readManifest, type PackManifest } from './manifest';
import { PackError } from './pack-error';
import { installPackHooks } from './require-ts';

export interface LoadedPack extends PackManifest {
  /** The names of the runbooks it defines. */
  runbooks: string[];
  /** Its routes as written (the gateway validates them), each name prefixed with the pack's. */
  routes: Record<string, unknown>[];
}

/** The packs that ship with mend, loaded exactly like a team's own. */
export const builtinPacks = ['core', 'redis', 'kubernetes', 'mysql'].map((name) => join(projectRoot(), 'runbooks', name));

const loaded = new Map<string, LoadedPack>();

/** The folders of the given references (folders relative to `base`, or npm names), each once, built-ins left out. */
export function packDirs(references: string[], base: string): string[] {
  const dirs: string[] = [];
  for (const ref of references) {
    const dir = packDir(ref, base);
    if (!dirs.includes(dir) && !builtinPacks.includes(dir)) dirs.push(dir);
  }
  return dirs;
}

/** The built-in packs and a config's own (`packs`, absolute once the config is read). */
export const configPacks = (config: { packs: string[] }): LoadedPack[] => loadPacks([...builtinPacks, ...config.packs]);

/** Loads the packs in these folders (each once per process); two packs with one name are refused. */
export function loadPacks(dirs: string[]): LoadedPack[] {
  installPackHooks();
  const packs = dirs.map(loadPack);
  const seen = new Map<string, LoadedPack>();
  for (const pack of packs) {
    const other = seen.get(pack.name);
    if (other) throw new PackError(pack.name, pack.file, `another pack has the name "${pack.name}": ${other.file}`);
    seen.set(pack.name, pack);
  }
  return packs;
}

function loadPack(dir: string): LoadedPack {
  const known = loaded.get(dir);
  if (known) return known;
  const manifest = readManifest(dir);
  const runbooks = manifest.runbookFiles.flatMap((file) => loadRunbooks(manifest, file));
  const routes = manifest.routesFile ? loadRoutes(manifest, manifest.routesFile) : [];
  const pack = { ...manifest, runbooks, routes };
  loaded.set(dir, pack);
  return pack;
}

function loadRunbooks(pack: PackManifest, file: string): string[] {
  let names: string[];
  try {
    names = registerRunbooks(pack.name, file, load(pack, file));
  } catch (err) {
    if (err instanceof DuplicateRunbookError) throw new PackError(pack.name, file, err.message);
    throw err;
  }
  if (!names.length) throw new PackError(pack.name, file, 'exports no defineRunbook(...) (helpers belong in a subfolder)');
  return names;
}

/** A pack's config definition (light: every process loads it), or undefined for a pack that takes no config. */
export function packConfig(pack: LoadedPack): ConfigDefinition | undefined {
  return pack.configFile ? defaultExport(pack, pack.configFile, isConfigDefinition, 'defineConfig') : undefined;
}

/**
 * A pack's actions definition, loaded on first use: only the worker loads actions, which may pull in heavy clients
 * (the Kubernetes one takes a second).
 */
export function packActions(pack: LoadedPack): ActionsDefinition | undefined {
  return pack.actionsFile ? defaultExport(pack, pack.actionsFile, isActionsDefinition, 'defineActions') : undefined;
}

/** A pack's drills definition, loaded on first use (by the worker). */
export function packDrills(pack: LoadedPack): DrillsDefinition | undefined {
  return pack.drillsFile ? defaultExport(pack, pack.drillsFile, isDrillsDefinition, 'defineDrills') : undefined;
}

function defaultExport<T>(pack: PackManifest, file: string, is: (value: unknown) => value is T, maker: string): T {
  const exports = load(pack, file);
  const definition = is(exports.default) ? exports.default : exports;
  if (!is(definition)) throw new PackError(pack.name, file, `its default export is not ${maker}(...)`);
  return definition;
}

function loadRoutes(pack: PackManifest, file: string): Record<string, unknown>[] {
  let routes: unknown;
  try {
    routes = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PackError(pack.name, file, `not valid YAML: ${(err as Error).message}`);
  }
  if (!Array.isArray(routes) || routes.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
    throw new PackError(pack.name, file, 'expected a YAML list of routes');
  }
  return routes.map((r: Record<string, unknown>, i) => ({ ...r, name: `${pack.name}/${typeof r.name === 'string' ? r.name : i}` }));
}

/** A module of the pack; one that fails to compile or to load names its file. */
function load(pack: PackManifest, file: string): Record<string, unknown> {
  try {
    return require(file);
  } catch (err) {
    if (err instanceof PackError) throw err;
    const text = err instanceof Error ? err.message : String(err);
    throw new PackError(pack.name, file, `does not load: ${text.split('\n').slice(0, 12).join('\n')}`);
  }
}
