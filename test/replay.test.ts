// Recorded histories replay on today's workflow code: a change that would break running incidents fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { builtinPacks, loadPacks } from '../packs/load';

const dir = join(__dirname, 'histories');
const ids = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<string, string>;
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.pb'))
  .sort()
  .map((file) => ({ file, id: ids[file], history: temporal.api.history.v1.History.decode(readFileSync(join(dir, file))) }));
const typeOf = (h: (typeof histories)[number]) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';

test('every workflow type and every runbook has a recorded history', () => {
  const types = new Set(histories.map(typeOf));
  for (const type of ['incident', 'targetGuard', 'drChecklist', ...loadPacks(builtinPacks).flatMap((p) => p.runbooks)])
    expect({ type, recorded: types.has(type) }).toEqual({ type, recorded: true });
});

test.each(histories.map((h) => [h.file, h] as const))('%s replays without nondeterminism', async (_file, { id, history }) => {
  expect(id).toBeDefined();
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.MEND_TEST_BUNDLE! } }, history, id);
});
