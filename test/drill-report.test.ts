// What the drills compute without the stack: the alert rules the local stack's Prometheus runs (promtool loads them;
// `for:` divided with a floor, order kept; range selectors replaced), and the report's summary, percentiles and
// regressions against the last earlier run of each scenario.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { DrillResult } from '../drills/result';
import { percentile, renderDrillReport, summarize } from '../drills/report';
import { drillRules } from '../stack/alert-rules';
import { provisioned, root, scratchDir } from './helpers/processes';

const run = promisify(execFile);

test("the stack's drill rules load in promtool, keep the rules' order and shorten their windows", async () => {
  const shipped = readFileSync(join(root, 'deploy', 'prometheus', 'target-rules.yml'), 'utf8');
  const text = drillRules(shipped, { divideBy: 30, atLeast: '5s', window: '20000ms' });
  const file = join(scratchDir('drill-rules-'), 'rules.yml');
  writeFileSync(file, text);
  await run(provisioned('promtool', 'PROMTOOL'), ['check', 'rules', file]);
  const rules = Object.fromEntries(
    (parse(text) as { groups: { rules: { alert: string; for: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => [r.alert, r])),
  );
  expect(rules.KubePodCrashLooping.for).toBe('10000ms'); // 5m ÷ 30
  expect(rules.KubeDeploymentReplicasMismatch.for).toBe('20000ms'); // 10m ÷ 30: still after the crash loop
  expect(rules.MysqlDown.for).toBe('5000ms'); // 30s ÷ 30 is 1s: the floor
  expect(rules.KubeDeploymentReplicasMismatch.expr).toContain('changes(kube_deployment_status_replicas_updated[20000ms])');
  expect(text).not.toMatch(/\[\d+m\]/);
});

const drill = (scenario: string, outcome: DrillResult['outcome'], verifiedAfter?: number): DrillResult => {
  const injectedAt = '2026-12-05T10:00:00.000Z';
  const at = (s: number) => new Date(Date.parse(injectedAt) + s * 1000).toISOString();
  return {
    scenario,
    outcome,
    startedAt: injectedAt,
    injectedAt,
    endedAt: at(60),
    observation:
      verifiedAfter === undefined
        ? undefined
        : {
            firedAt: at(5),
            incidentId: `i-${scenario}`,
            status: 'recovered',
            timeline: [
              { at: at(6), event: 'detected' },
              { at: at(7), event: 'diagnosed' },
            ],
            attempts: [{ runbook: 'r', status: 'verified', steps: ['fix'], fixedAt: at(8), verifiedAt: at(verifiedAfter) }],
            others: [],
          },
  };
};

test('the report: auto-recovery, p50 and p90 per milestone, and regressions against the last earlier run of each scenario', () => {
  expect([percentile([], 50), percentile([3, 1, 2], 50), percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)]).toEqual([undefined, 2, 9]);
  // Each scenario against its last earlier run: run-2 ran only `a` (`b` was not run: no comparison).
  const runs = [
    summarize('run-1', [drill('a', 'recovered', 10), drill('b', 'recovered', 10), drill('c', 'recovered', 10)]),
    summarize('run-2', [drill('a', 'recovered', 12), drill('b', 'not run')]),
  ];
  const now = [drill('a', 'recovered', 11), drill('b', 'recovered', 30), drill('c', 'stopped at budget')];
  const report = renderDrillReport('run-3', now, runs);
  expect(report).toContain('**Auto-recovery: 2 of 3** (67%)');
  expect(report).toContain('| MTTV (verified) = MTTR | 11s | 30s |');
  expect(report).toContain('| MTTI (detected) | 6s | 6s |');
  expect(report).toContain('**Regressions:** b: MTTR 10s → 30s; c: was recovered, now stopped at budget');
  expect(report).toMatch(/\| a \| – \| recovered \| 5s \| 6s \| 7s \| 8s \| 11s \|.*\| MTTR 12s → 11s \|/);
});
