// A workload's outcomes file (one JSON line per request), read back for a drill's impact and chart.
import { existsSync, readFileSync } from 'node:fs';
import type { WorkloadOutcome } from '../sdk/drills';

export function readOutcomes(file: string): WorkloadOutcome[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as WorkloadOutcome];
      } catch {
        return []; // a line cut short by a crash
      }
    });
}

export const succeeded = (o: WorkloadOutcome) => o.status >= 200 && o.status < 300;
