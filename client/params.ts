// `--param k=v` pairs → runbook params, validated by the runbook's own zod schema.
import { describeParams, paramFromText } from '../common/runbook-params';
import { formatIssues } from '../common/zod-issues';
import type { RunbookDefinition } from '../workflows/kit/define';
import { UsageError } from './usage-error';

export function parseParams(runbook: RunbookDefinition, pairs: string[]): Record<string, unknown> {
  const known = new Map(describeParams(runbook).map((p) => [p.name, p]));
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects key=value, got "${pair}"`);
    const key = pair.slice(0, eq);
    if (!known.has(key)) {
      throw new UsageError(`${runbook.name} has no param "${key}" (it takes: ${[...known.keys()].join(', ')})`);
    }
    params[key] = paramFromText(known.get(key), pair.slice(eq + 1));
  }
  const parsed = runbook.params.safeParse(params);
  if (!parsed.success) {
    throw new UsageError(
      `invalid params for ${runbook.name}:\n${formatIssues(parsed.error)
        .map((l) => `  - ${l}`)
        .join('\n')}`,
    );
  }
  return params;
}
