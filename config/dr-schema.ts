// The DR checklist file: four phases of items, each manual (a person confirms it) or automated (an activity or a
// runbook). Dependencies must name known items and form no cycle; a runbook item's params must fit its runbook.
import { z } from 'zod';
import { durationAtLeast, durationSchema as duration } from '../common/schemas';
import { severities } from '../common/types';
import { findRunbook } from '../workflows/catalog';

export const drPhases = ['confirm', 'services', 'data', 'validate'] as const;
export type DrPhase = (typeof drPhases)[number];

const itemId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes');

const itemBase = {
  id: itemId,
  title: z.string().min(1),
  phase: z.enum(drPhases),
  dependsOn: z.array(itemId).default([]),
};

const manualItem = z.object({ ...itemBase, manual: z.literal(true) }).strict();

const server = z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port');

/**
 * The checks an activity item may run, with their params: read-only, so they need no guard, policy or approval.
 * Anything that changes a system is a runbook item.
 */
const drChecks = {
  httpCheck: z
    .object({
      url: z.string().regex(/^https?:\/\//, 'expected an http(s) URL'),
      status: z.number().int().min(100).max(599).optional(),
      contains: z.string().optional(),
      timeout: duration.optional(),
    })
    .strict(),
  mysqlServers: z.object({ cluster: z.string().min(1) }).strict(),
  mysqlProbe: z.object({ cluster: z.string().min(1), node: server, probes: z.number().int().min(1).max(20).optional(), intervalMs: z.number().int().min(0).optional() }).strict(),
  mysqlLastVerifiedBackup: z.object({ cluster: z.string().min(1) }).strict(),
};
const checkNames = Object.keys(drChecks) as [keyof typeof drChecks, ...(keyof typeof drChecks)[]];

const activityItem = z
  .object({
    ...itemBase,
    /** A read-only check by name (drChecks), e.g. httpCheck or mysqlServers. */
    activity: z.enum(checkNames),
    params: z.record(z.string(), z.unknown()).default({}),
    timeout: durationAtLeast(1000, 'at least 1s').default('2m'),
  })
  .strict();

const runbookItem = z
  .object({
    ...itemBase,
    /** A runbook run as a child incident (guard, policy and approvals apply). */
    runbook: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    severity: z.enum(severities).default('warning'),
  })
  .strict();

const drItemSchema = z.union([manualItem, activityItem, runbookItem]);
export type DrItem = z.infer<typeof drItemSchema>;

/** The checklist's own rules (fields, ids, dependencies, check params): what a run checks its input against. */
export const drChecklistShape = z
  .object({
    name: z.string().min(1).default('DR checklist'),
    /** Recovery time objective, from the run's start. */
    rto: durationAtLeast(1, 'must be longer than 0').default('4h'),
    /** The fraction of the RTO at which the run escalates when it is not done. */
    rtoWarnAt: z.number().gt(0).lt(1).default(0.8),
    /** Where the RPO is read from: the newest verified backup of this MySQL cluster. */
    rpo: z
      .object({ cluster: z.string().min(1) })
      .strict()
      .optional(),
    items: z.array(drItemSchema).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const index = new Map<string, number>();
    c.items.forEach((item, i) => {
      if (index.has(item.id)) issue(['items', i, 'id'], `duplicate item id "${item.id}"`);
      index.set(item.id, i);
    });
    c.items.forEach((item, i) => {
      item.dependsOn.forEach((dep, d) => {
        if (!index.has(dep)) issue(['items', i, 'dependsOn', d], `unknown item "${dep}"`);
      });
      if ('activity' in item) {
        const params = drChecks[item.activity].safeParse(item.params);
        if (!params.success) params.error.issues.forEach((p) => issue(['items', i, 'params', ...(p.path as (string | number)[])], p.message));
      }
    });
    const cycle = findCycle(c.items);
    if (cycle) issue(['items', index.get(cycle[0])!, 'dependsOn'], `dependency cycle: ${cycle.join(' → ')}`);
  });

/**
 * The shape, and each runbook item's runbook and params as the catalog has them now: checked when a run starts, not
 * by the run itself, which may replay after the catalog changed.
 */
export const drChecklistSchema = drChecklistShape.superRefine((c, ctx) => {
  c.items.forEach((item, i) => {
    if ('runbook' in item) runbookProblems(item).forEach((p) => ctx.addIssue({ code: 'custom', path: ['items', i, ...p.path], message: p.message }));
  });
});

export type DrChecklist = z.infer<typeof drChecklistShape>;

function runbookProblems(item: Extract<DrItem, { runbook: string }>): { path: (string | number)[]; message: string }[] {
  const runbook = findRunbook(item.runbook);
  if (!runbook) return [{ path: ['runbook'], message: `unknown runbook "${item.runbook}"` }];
  const parsed = runbook.params.safeParse(item.params);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: ['params', ...i.path.map(String)], message: i.message }));
}

/** A dependency cycle as item ids (first repeated at the end), or undefined. */
function findCycle(items: { id: string; dependsOn: string[] }[]): string[] | undefined {
  const deps = new Map(items.map((i) => [i.id, i.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done' || !deps.has(id)) return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of deps.get(id)!) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const { id } of items) {
    const found = visit(id);
    if (found) return found;
  }
  return undefined;
}
