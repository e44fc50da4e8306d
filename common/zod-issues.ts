// One line per bad field: "path.to.field: what is wrong".
import type { z } from 'zod';

/** `under` is where the validated value sits, e.g. ['packs'] for the config's packs list. */
export function formatIssues(error: z.ZodError, under: PropertyKey[] = []): string[] {
  return error.issues.map((i) => {
    const path = [...under, ...i.path];
    return `${path.length ? path.map(String).join('.') : '(root)'}: ${i.message}`;
  });
}
