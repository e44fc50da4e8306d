// The post-incident report, checked against real incidents: the `report` query and `mend report`, which reads
// Temporal's history, show the same facts as the recovery record.
import { decideAs } from './helpers/approvals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecoveryRecord } from '../common/types';
import { incidentReportQuery } from '../workflows/definitions';
import { runCli } from './helpers/cli';
import { startOperators, type Operators } from './helpers/operators';
import { awaitApproval, runbookView } from './helpers/incident';
import { fillNearMaxmemory, useMendWithRedis } from './helpers/mend';
import { waitFor } from './helpers/wait';

const t = useMendWithRedis();
let ops: Operators;
beforeAll(async () => (ops = await startOperators(t.mend.config)));
afterAll(() => ops?.stop());
const mendCli = (...args: string[]) => runCli(t.mend.config, ...args);
const secs = (n: number) => `${n} s`;
/** The report's line that mentions every given text. */
const lineWith = (report: string, ...texts: string[]) => report.split('\n').find((l) => texts.every((x) => l.includes(x)));

/** The query's report and the CLI's, which must be the same but for the signals read from history. */
async function bothReports(id: string): Promise<{ query: string; cli: string }> {
  const query = await t.mend.client.workflow.getHandle(id).query(incidentReportQuery);
  const cli = await mendCli('report', id);
  expect(cli).toMatchObject({ code: 0, err: '' });
  expect(cli.out.split("\n## Approval signals received (Temporal's history)")[0].trimEnd()).toBe(query.trimEnd());
  return { query, cli: cli.out };
}

function expectTimeline(report: string, record: RecoveryRecord): void {
  for (const e of record.timeline) expect({ e, line: lineWith(report, `| ${e.at} | ${e.event} |`) }).toEqual({ e, line: expect.any(String) });
}

test('approved, verification failed, steps undone, escalated: every fact in the record is in the report', async () => {
  await fillNearMaxmemory(t.redis);
  const id = `report-undone-${Date.now()}`;
  const handle = await t.mend.start(
    {
      runbook: 'redis-memory-relief',
      severity: 'critical',
      summary: 'Redis memory high',
      params: { redis: t.mend.redisName(), pattern: 'session:*', maxmemoryBytes: 64 << 20, below: 0.0001, stabilize: '300ms', verifyWithin: '1s' },
    },
    id,
  );
  await awaitApproval(t.mend.client, handle);
  const running = await mendCli('report', id);
  expect(running.out).toContain(`# Incident ${id}: remediating (in progress)`);
  expect(running.out).toContain(`| Running | \`${id}/redis-memory-relief\` |`);

  await decideAs(handle, 'mallory', { comment: 'let me' });
  // The incident forwards mallory's signal to its runbook; alice's goes straight there, so wait for the order.
  await waitFor(async () => (await runbookView(t.mend.client, handle)).approvals.length === 1, "mallory's refusal to be recorded");
  expect(await ops.cliAs('alice', 'approve', id, '--comment', 'sessions are cheap')).toMatchObject({ code: 0 });
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('escalated');
  const [relief, flush] = record.attempts;
  expect(relief.status).toBe('failed');
  expect(relief.steps.map((s) => s.status)).toEqual(['undone', 'undone']);
  expect(flush).toMatchObject({ runbook: 'redis-flush-cache', status: 'refused' });

  const { query, cli } = await bothReports(id);
  for (const report of [query, cli]) {
    expect(report).toContain(`# Incident ${id}: escalated\n`);
    expect(report).toContain(`| Status | escalated: ${record.reason} |`);
    expect(report).toContain('| Opened with | `redis-memory-relief`: Redis memory high |');
    expect(report).toContain('No verified recovery: no MTTR.');
    expectTimeline(report, record);
    expect(report).toContain(`## Attempt 1: redis-memory-relief: failed\n\nReason: ${relief.reason}`);
    for (const s of relief.steps) {
      expect(lineWith(report, `| ${s.startedAt} | ${s.endedAt} | ${s.name} | undone |`)).toContain(`\`${JSON.stringify(s.result)}\``);
      expect(report).toContain(`- undone at ${s.undoneAt}: ${s.name}`);
    }
    const [refused, approved] = relief.approvals;
    // Who decided as authentication proved it, how, and the proof: the gateway's attestation for the test's mallory,
    // alice's Dex token for her `mend approve`.
    expect(lineWith(report, `| ${refused.at} | mallory | http | approve | refused: mallory is not an allowed approver | let me | attested by the test suite |`)).toBeDefined();
    expect(lineWith(report, `| ${approved.at} | alice | cli | approve | accepted | sessions are cheap | OIDC token from ${ops.dex.issuer}, subject `)).toBeDefined();
    const [verification] = relief.verifications;
    expect(report).toContain(
      `- **${verification.name}**: failed after ${verification.checks} check${verification.checks === 1 ? '' : 's'} (last at ${verification.at}); evidence: \`${JSON.stringify(verification.evidence)}\``,
    );
    expect(report).toContain(`## Attempt 2: redis-flush-cache: refused\n\nReason: ${flush.reason}`);
  }
  // From the histories, as sent (unverified): when Temporal received each signal, who its payload says sent it.
  const alice = lineWith(cli, `| \`${id}/redis-memory-relief\` | approve |`, '| alice (gateway attestation) | sessions are cheap |');
  const receivedAt = /^\| (\S+) \|/.exec(alice ?? '')?.[1];
  expect(Date.parse(receivedAt!)).toBeLessThanOrEqual(Date.parse(relief.approvals[1].at));
  expect(lineWith(cli, `| \`${id}\` | approve |`, '| mallory (gateway attestation) | let me |')).toBeDefined();
  expect(lineWith(cli, `| \`${id}/redis-memory-relief\` | approve |`, `| mallory (relayed by ${id}) | let me |`)).toBeDefined();

  const file = join(process.env.MEND_TEST_DIR!, `${id}.md`);
  expect(await mendCli('report', id, '--out', file)).toMatchObject({ code: 0, out: `wrote the report of ${id} to ${file}` });
  expect(await readFile(file, 'utf8')).toBe(`${cli}\n`);
});

test('a recovery: the MTTR and its four phases are the numbers in the record', async () => {
  await fillNearMaxmemory(t.redis);
  const id = `report-recovered-${Date.now()}`;
  const faultStartedAt = new Date(Date.now() - 30_000).toISOString();
  const record = await t.mend.run(
    { runbook: 'redis-memory-relief', severity: 'warning', faultStartedAt, params: { redis: t.mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '200ms' } },
    id,
  );
  expect(record.status).toBe('recovered');
  const { mttrSeconds, phases } = record;
  expect(phases!.detection).toBeGreaterThanOrEqual(30);

  const { query, cli } = await bothReports(id);
  for (const report of [query, cli]) {
    expect(report).toContain(`| MTTI detection | fault started → detected | ${secs(phases!.detection)} |`);
    expect(report).toContain(`| MTTK diagnosis | detected → diagnosed | ${secs(phases!.diagnosis)} |`);
    expect(report).toContain(`| MTTF fix | diagnosed → fixed | ${secs(phases!.fix)} |`);
    expect(report).toContain(`| MTTV verification | fixed → verified | ${secs(phases!.verification)} |`);
    expect(report).toContain(`| **MTTR** | fault started → verified | ${secs(mttrSeconds!)} |`);
    expect(report).toContain(`Recovered by redis-memory-relief in ${secs(mttrSeconds!)} from the fault's start.`);
    expectTimeline(report, record);
    const [step] = record.attempts[0].steps;
    expect(lineWith(report, `| ${step.name} | done |`)).toContain(JSON.stringify(step.result));
    expect(report).toContain('None asked or given.');
    expect(report).toContain('None: nothing was undone.');
    expect(report).toContain(`- **memory below 90% of maxmemory**: passed after 1 check (last at ${record.attempts[0].verifiedAt}); evidence: \``);
  }
  expect(cli).not.toContain('## Approval signals');
});

test('a terminated incident is reported from its history; an unknown id is bad input', async () => {
  await fillNearMaxmemory(t.redis);
  const id = `report-terminated-${Date.now()}`;
  const handle = await t.mend.start({ runbook: 'redis-memory-relief', severity: 'critical', params: { redis: t.mend.redisName(), pattern: 'session:*' } }, id);
  await awaitApproval(t.mend.client, handle);
  await handle.terminate('operator gave up');
  const { code, out } = await mendCli('report', id);
  expect(code).toBe(0);
  expect(out).toContain(`# Incident ${id}: failed\n`);
  expect(out).toContain('| Status | failed: terminated: operator gave up |');
  expect(out).toMatch(new RegExp(`\\| runbook started \\| ${id}/redis-memory-relief \\|`));
  expect(out).toMatch(/\| Target \| `redis\/[^`]+` \|/);

  const unknown = await mendCli('report', 'no-such-incident');
  expect(unknown).toMatchObject({ code: 2, err: 'mend: no incident "no-such-incident"' });
  expect((await mendCli('report')).code).toBe(2);
});
