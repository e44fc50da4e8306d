// The runbooks of the loaded packs, by name. Filled once per process (or workflow bundle) before any lookup: by the
// pack loader in Node, by the bundle's generated entry in the workflow sandbox.
import { isRunbookDefinition, type RunbookDefinition } from './kit/define';

export interface CatalogEntry {
  definition: RunbookDefinition;
  pack: string;
  file: string;
}

const byName = new Map<string, CatalogEntry>();

/** Thrown when two modules define one runbook name. */
export class DuplicateRunbookError extends Error {
  constructor(
    readonly entry: CatalogEntry,
    readonly first: CatalogEntry,
  ) {
    super(`runbook "${entry.definition.name}" in ${entry.file} is already defined by pack ${first.pack} in ${first.file}`);
    this.name = 'DuplicateRunbookError';
  }
}

/** Registers every runbook a module exports; a module registered again changes nothing. Returns their names. */
export function registerRunbooks(pack: string, file: string, exports: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const value of Object.values(exports)) {
    if (!isRunbookDefinition(value)) continue;
    const first = byName.get(value.name);
    if (first && first.definition !== value) throw new DuplicateRunbookError({ definition: value, pack, file }, first);
    if (!first) byName.set(value.name, { definition: value, pack, file });
    if (!names.includes(value.name)) names.push(value.name);
  }
  return names;
}

export function findRunbook(name: string): RunbookDefinition | undefined {
  return byName.get(name)?.definition;
}

/** Every registered runbook with its pack, in registration order. */
export function catalogEntries(): CatalogEntry[] {
  return [...byName.values()];
}

/** The escalation ladder: the runbook first, then the heavier ones it names, each once. */
export function ladderFrom(name: string): string[] {
  const ladder: string[] = [];
  const visit = (n: string) => {
    if (ladder.includes(n) || !byName.has(n)) return;
    ladder.push(n);
    for (const next of byName.get(n)!.definition.escalateTo ?? []) visit(next);
  };
  visit(name);
  return ladder;
}
