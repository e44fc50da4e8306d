// One line per bad field: "path.to.field: what is wrong".
import type { z } from 'zod';

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}
