// mend's alert rules as the local stack's Prometheus runs them for drills: each rule's `for:` and range selectors
// replaced by the config's, so that a fault is detected in seconds. Production keeps the rules as shipped.
import { parse, stringify } from 'yaml';

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; for?: string }[] }[];
}

/** A range selector such as [5m] or [1h30m] (not a subquery's [5m:1m]). */
const range = /\[(\d+(ms|[smhdwy]))+\]/g;

export function drillRules(text: string, alertFor: string, alertWindow: string): string {
  const file = parse(text) as RuleFile;
  for (const group of file.groups) {
    for (const rule of group.rules) {
      if (!rule.alert) continue;
      rule.expr = rule.expr.replace(range, `[${alertWindow}]`);
      if (rule.for !== undefined) rule.for = alertFor;
    }
  }
  return stringify(file);
}
