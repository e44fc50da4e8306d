// `mend status <id> --watch` on real incidents: it shows the states the incident goes through, returns when the
// incident has its outcome (exit 0 recovered, 4 not), and Ctrl-C stops the watch, not the incident.
import { decideAs } from './helpers/approvals';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecoveryRecord } from '../common/types';

import { runCli } from './helpers/cli';
import { main } from '../cli/main';
import { runbookView } from './helpers/incident';
import { fillNearMaxmemory, useMendWithRedis } from './helpers/mend';
import { root } from './helpers/processes';
import { waitFor } from './helpers/wait';

const t = useMendWithRedis();
const mendCli = (...args: string[]) => runCli(t.mend.config, ...args);

/** An incident that waits for approval before it deletes keys and then recovers. */
async function gatedIncident(id: string) {
  await fillNearMaxmemory(t.redis);
  return t.mend.start({ runbook: 'redis-memory-relief', severity: 'critical', params: { redis: t.mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '300ms' } }, id);
}

/** Starts watching through main(), with its output readable as it comes; `ended` says whether it returned. */
function watch(id: string) {
  const state = { ended: false, out: [] as string[], err: [] as string[] };
  const args = ['status', id, '--watch', '--interval', '100ms'];
  const result = main(
    args,
    (t) => state.out.push(t),
    (t) => state.err.push(t),
    t.mend.config,
  ).then((code) => {
    state.ended = true;
    return { code, out: state.out.join('\n'), err: state.err.join('\n') };
  });
  const shown = (text: string) => waitFor(async () => state.out.some((o) => o.includes(text)), `the watch to show "${text}"`);
  return { state, result, shown };
}

test('watch shows the wait for approval, the steps and the recovery, and returns when the incident ends', async () => {
  const id = `watch-recovered-${Date.now()}`;
  const handle = await gatedIncident(id);
  const watching = watch(id);
  await watching.shown('  approval: 0/1 from [alice, bob, carol]');
  expect(watching.state.ended).toBe(false);
  await decideAs(handle, 'alice', { comment: 'go' });
  const { code, out, err } = await watching.result;
  const record: RecoveryRecord = await handle.result();
  expect({ code, err, status: record.status }).toEqual({ code: 0, err: '', status: 'recovered' });

  const frames = out.split('\n\n');
  const waiting = frames.findIndex((f) => f.includes('  approval: 0/1 from [alice, bob, carol]') && f.includes('  progress: rung 1 of 2, 0 steps taken'));
  const recovered = frames.findIndex((f) => f.includes(`incident ${id} on `) && f.includes(': recovered\n'));
  expect(waiting).toBeGreaterThanOrEqual(0);
  expect(recovered).toBeGreaterThan(waiting);
  expect(frames[recovered]).toContain('  - [done] delete keys matching session:*');
  expect(frames[recovered]).toContain('  progress: rung 1 of 2, 1 step taken, 1 of 1 verification passed');
  expect(frames[recovered]).toMatch(/ {2}\S+ {2}recovered\nincident /);
  const last = out.split('\n').pop();
  expect(last).toBe(
    `incident ${id} ended: recovered; MTTR ${record.mttrSeconds!.toFixed(1)} s (detection ${record.phases!.detection.toFixed(1)} s, ` +
      `diagnosis ${record.phases!.diagnosis.toFixed(1)} s, fix ${record.phases!.fix.toFixed(1)} s, verification ${record.phases!.verification.toFixed(1)} s)`,
  );
  // Only changes are appended: no two consecutive frames are the same.
  expect(frames.every((f, i) => i === 0 || f !== frames[i - 1])).toBe(true);
});

test('an incident that ends without recovering exits 4; bad input exits 2', async () => {
  const id = `watch-rejected-${Date.now()}`;
  const handle = await gatedIncident(id);
  const watching = watch(id);
  await watching.shown('  approval: 0/1');
  await decideAs(handle, 'bob', { comment: 'not now' }, 'reject');
  const { code, out } = await watching.result;
  expect(code).toBe(4);
  expect(out.split('\n').pop()).toMatch(new RegExp(`^incident ${id} ended: rejected \\(.*bob.*\\); no MTTR \\(no verified recovery\\)$`));

  expect(await mendCli('status', 'no-such-incident', '--watch')).toMatchObject({ code: 2, err: 'mend: no incident "no-such-incident"' });
  expect((await mendCli('status', id, '--watch', '--interval', 'soon')).err).toMatch(/--interval must be a duration/);
  expect((await mendCli('status', id, '--watch', '--json')).code).toBe(2);
});

test('Ctrl-C stops watching and leaves the incident waiting for its approval', async () => {
  const id = `watch-interrupted-${Date.now()}`;
  const handle = await gatedIncident(id);
  const config = join(process.env.MEND_TEST_DIR!, `${id}.yaml`);
  await writeFile(config, JSON.stringify({ temporal: { address: t.mend.config.temporal.address } }));
  const cli = spawn('node', [join(root, 'dist', 'cli', 'main.js'), 'status', id, '--watch', '--interval', '100ms'], {
    env: { ...process.env, MEND_CONFIG: config },
  });
  let out = '';
  cli.stdout.on('data', (d) => (out += d));
  cli.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => cli.on('exit', resolve));
  await waitFor(async () => out.includes('approval: 0/1'), 'the watch to show the approval request').catch((err) => {
    cli.kill(); // not left watching after a failed test
    throw err;
  });
  cli.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(out).toContain(`stopped watching ${id}; it goes on`);

  expect((await handle.describe()).status.name).toBe('RUNNING');
  const view = await runbookView(t.mend.client, handle);
  expect({ approval: !!view.approval, decisions: view.approvals.length, steps: view.steps.length }).toEqual({ approval: true, decisions: 0, steps: 0 });
  await decideAs(handle, 'bob', { comment: 'test over' }, 'reject');
  expect((await handle.result()).status).toBe('rejected');
});
