// Looks runbooks up by name in the SRE's folder.
import { runbooks } from '../runbooks';
import type { RunbookDefinition } from './kit/define';

const byName = new Map<string, RunbookDefinition>(runbooks.map((r) => [r.name, r as unknown as RunbookDefinition]));

export function findRunbook(name: string): RunbookDefinition | undefined {
  return byName.get(name);
}

/** The escalation ladder: the runbook first, then the heavier ones it names, each once. */
export function ladderFrom(name: string): string[] {
  const ladder: string[] = [];
  const visit = (n: string) => {
    if (ladder.includes(n) || !byName.has(n)) return;
    ladder.push(n);
    for (const next of byName.get(n)!.escalateTo ?? []) visit(next);
  };
  visit(name);
  return ladder;
}
