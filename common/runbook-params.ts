// A runbook's params as plain facts (name, type, required) read from its zod schema, and text → typed values.
import { z } from 'zod';
import type { RunbookDefinition } from '../workflows/kit/define';

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

/** A value stays text where the param takes strings; otherwise it is read as JSON (numbers, booleans, lists). */
export function paramFromText(param: ParamInfo | undefined, raw: string): unknown {
  if (!param || param.type.split('|').includes('string')) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
