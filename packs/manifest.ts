// A pack's manifest: the "mend" field of its package.json, and where its runbooks, actions and routes are.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../common/zod-issues';
import { configSchema } from '../config/schema';
import { PackError } from './pack-error';

/** mend's own config sections: no pack may take their names. */
const reserved = Object.keys(configSchema.shape);

const manifestSchema = z
  .object({
    /** The pack's name: its config section and the prefix of its route names. Default: from the package name. */
    pack: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and dashes')
      .optional(),
    /** The folder whose files each define runbooks (files in subfolders are helpers). */
    runbooks: z.string().min(1).default('runbooks'),
    /** The module whose default export is defineConfig(...): the pack's config section. */
    config: z.string().min(1).optional(),
    /** The module whose default export is defineActions(...). */
    actions: z.string().min(1).optional(),
    /** A YAML list of gateway routes for the alerts the pack answers. */
    routes: z.string().min(1).optional(),
    /** The module whose default export is defineDrills(...): the faults `mend drill` may inject. */
    drills: z.string().min(1).optional(),
    /** A Prometheus rule file of the alerts those routes answer (the local stack's Prometheus loads it). */
    alerts: z.string().min(1).optional(),
  })
  .strict();

export interface PackManifest {
  name: string;
  dir: string;
  /** The package.json the manifest was read from. */
  file: string;
  /** One file per runbook module, absolute. */
  runbookFiles: string[];
  configFile?: string;
  actionsFile?: string;
  routesFile?: string;
  alertsFile?: string;
  drillsFile?: string;
}

const sourceFile = /^(?!.*\.(test|d)\.[cm]?[jt]s$).*\.[cm]?[jt]s$/;

/** Finds a pack given as a folder (relative to `base`) or an npm package name (resolved from `base`). */
export function packDir(reference: string, base: string): string {
  if (reference.startsWith('.') || isAbsolute(reference)) return resolve(base, reference);
  try {
    return dirname(createRequire(join(base, 'noop.js')).resolve(`${reference}/package.json`));
  } catch {
    throw new PackError(reference, base, `cannot find the package "${reference}" from ${base} (is it installed? a folder must start with ./, ../ or /)`);
  }
}

export function readManifest(dir: string): PackManifest {
  const file = join(dir, 'package.json');
  if (!existsSync(dir)) throw new PackError(basename(dir), dir, 'no such folder');
  if (!existsSync(file)) throw new PackError(basename(dir), dir, 'not a pack: it has no package.json');
  let json: { name?: unknown; mend?: unknown };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PackError(basename(dir), file, `package.json is not valid JSON: ${(err as Error).message}`);
  }
  const label = typeof json.name === 'string' ? json.name : basename(dir);
  if (json.mend === undefined) throw new PackError(label, file, 'not a pack: package.json has no "mend" field');
  const parsed = manifestSchema.safeParse(json.mend);
  if (!parsed.success) throw new PackError(label, file, `invalid "mend" field: ${formatIssues(parsed.error).join('; ')}`);
  const m = parsed.data;
  const name = m.pack ?? defaultName(label);
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new PackError(label, file, `cannot make a pack name of "${label}": set "mend": {"pack": "<name>"}`);
  if (reserved.includes(name)) throw new PackError(name, file, `"${name}" is a section of mend's own config; choose another pack name`);
  const inPack = (path: string, what: string) => {
    const full = resolve(dir, path);
    if (!existsSync(full)) throw new PackError(name, file, `its ${what} "${path}" does not exist`);
    return full;
  };
  const runbooksDir = join(dir, m.runbooks);
  const runbookFiles =
    existsSync(runbooksDir) && statSync(runbooksDir).isDirectory()
      ? readdirSync(runbooksDir, { withFileTypes: true })
          .filter((e) => e.isFile() && sourceFile.test(e.name))
          .map((e) => join(runbooksDir, e.name))
          .sort()
      : [];
  return {
    name,
    dir,
    file,
    runbookFiles,
    configFile: m.config ? inPack(m.config, 'config module') : undefined,
    actionsFile: m.actions ? inPack(m.actions, 'actions module') : undefined,
    routesFile: m.routes ? inPack(m.routes, 'routes file') : undefined,
    alertsFile: m.alerts ? inPack(m.alerts, 'alert rules') : undefined,
    drillsFile: m.drills ? inPack(m.drills, 'drills module') : undefined,
  };
}

/** "@acme/mend-pack-payments" → "payments"; "sre-runbooks" → "sre-runbooks". */
function defaultName(packageName: string): string {
  return packageName
    .replace(/^@[^/]+\//, '')
    .replace(/^mend-pack-/, '')
    .toLowerCase();
}
