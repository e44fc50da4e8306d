// mend's alert rules as the local stack's Prometheus runs them for drills: each rule's `for:` divided (never below a
// floor, so a single bad scrape still fires nothing) and its range selectors replaced, so that a fault is detected in
// seconds. Rules above the floor keep their order (a crash loop, 5m, fires before a replica shortfall, 10m); those
// below it fire together. Production keeps the rules as shipped.
import { parse, stringify } from 'yaml';
import { toMs } from '../common/duration';
import type { Duration } from '../common/types';

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; for?: string }[] }[];
}

/** A range selector such as [5m] or [1h30m] (not a subquery's [5m:1m]). */
const range = /\[(\d+(ms|[smhdwy]))+\]/g;

export interface DrillTiming {
  divideBy: number;
  atLeast: Duration;
  /** Prometheus's form, e.g. "20000ms". */
  window: string;
}

export function drillRules(text: string, timing: DrillTiming): string {
  const file = parse(text) as RuleFile;
  for (const group of file.groups) {
    for (const rule of group.rules) {
      if (!rule.alert) continue;
      rule.expr = rule.expr.replace(range, `[${timing.window}]`);
      if (rule.for !== undefined) rule.for = `${Math.max(Math.round(toMs(rule.for as Duration) / timing.divideBy), toMs(timing.atLeast))}ms`;
    }
  }
  return stringify(file);
}
