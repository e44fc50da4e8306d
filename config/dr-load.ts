// Reads a DR checklist file (default config/dr-checklist.yaml) and validates it; errors name the bad field.
import { join } from 'node:path';
import { formatIssues } from '../common/zod-issues';
import { drChecklistSchema, type DrChecklist } from './dr-schema';
import { projectRoot } from '../common/project-root';
import { ConfigError, readYaml } from './load';

export const defaultChecklistPath = (): string => join(projectRoot(), 'config', 'dr-checklist.yaml');

export function parseChecklist(raw: unknown, file = '(inline)'): DrChecklist {
  const result = drChecklistSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(file, formatIssues(result.error));
  return result.data;
}

export function loadChecklist(file = defaultChecklistPath()): DrChecklist {
  return parseChecklist(readYaml(file), file);
}
