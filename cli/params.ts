// `--param k=v` pairs → runbook params, validated by the runbook's own zod schema.
import { z } from 'zod';
import { formatIssues } from '../common/zod-issues';
import type { RunbookDefinition } from '../workflows/kit/define';
import { UsageError } from './usage-error';

export interface ParamInfo {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

interface JsonSchemaProperty {
  type?: string | string[];
  anyOf?: JsonSchemaProperty[];
  default?: unknown;
  description?: string;
}

/** The params a runbook takes, read from its zod schema. */
export function describeParams(runbook: RunbookDefinition): ParamInfo[] {
  const schema = z.toJSONSchema(runbook.params, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    type: typesOf(p).join('|') || 'any',
    required: (schema.required ?? []).includes(name) && p.default === undefined,
    default: p.default,
    description: p.description,
  }));
}

function typesOf(p: JsonSchemaProperty): string[] {
  if (p.anyOf) return [...new Set(p.anyOf.flatMap(typesOf))];
  return p.type === undefined ? [] : ([] as string[]).concat(p.type);
}

/** A value stays a string where the param takes strings; otherwise it is read as JSON (numbers, booleans, lists). */
export function parseParams(runbook: RunbookDefinition, pairs: string[]): Record<string, unknown> {
  const types = new Map(describeParams(runbook).map((p) => [p.name, p.type.split('|')]));
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects key=value, got "${pair}"`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (!types.has(key)) {
      throw new UsageError(`${runbook.name} has no param "${key}" (it takes: ${[...types.keys()].join(', ')})`);
    }
    params[key] = types.get(key)!.includes('string') ? raw : readJson(raw);
  }
  const parsed = runbook.params.safeParse(params);
  if (!parsed.success) {
    throw new UsageError(`invalid params for ${runbook.name}:\n${formatIssues(parsed.error).map((l) => `  - ${l}`).join('\n')}`);
  }
  return params;
}

function readJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
