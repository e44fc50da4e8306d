// db-pool-reset, the seed ladder's rung 2: an application whose database calls keep failing (a pool pinned to the
// old primary after a failover, connections leaked by a bug) gets a new pool through its admin endpoint; the pool
// errors must then stop, as Prometheus sees them. When they do not, it resets again (the writer may have moved
// since: a reset during a failover still points at the dead primary), a few times. Each reset carries a key of this
// run and round, so a retry after a crash does not reset twice.
import { defineRunbook, duration, errorMessage, needsPeople, toMs, z } from 'mend';
import type { CoreActions } from 'mend/core';

const name = /^[a-z0-9][a-z0-9-]*$/;
const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export const dbPoolReset = defineRunbook({
  name: 'db-pool-reset',
  description: "Reset an application's database connection pool through its admin endpoint; verify by PromQL that its pool errors stop",
  risk: 'low',
  params: z.object({
    app: z.string().regex(name).default('shop').describe('the job label Prometheus scrapes the application under'),
    admin: z.string().regex(name).default('shop-admin').describe('an endpoint under core.http: the admin API with POST /pool/reset'),
    prometheus: z.string().regex(name).default('default').describe('a server under core.prometheus'),
    errors: z.string().regex(metricName).default('shop_pool_errors_total').describe("the application's counter of failed database calls"),
    threshold: z.number().int().min(0).default(10).describe('failed calls in the last minute above which the pool is reset'),
    settle: duration.default('3s'),
    quietFor: duration.default('30s').describe('how long the errors must have stopped: at least two scrapes of the application'),
    verifyWithin: duration.default('1m').describe('after each reset'),
    resets: z.number().int().min(1).max(5).default(3).describe('resets tried before people are called'),
  }),
  target: (p) => `app/${p.app}/db-pool`,

  async run(kit, p) {
    const core = kit.activities<CoreActions>();
    const job = `job="${p.app}"`;
    const now = await core.promQuery({ prometheus: p.prometheus, query: `sum(increase(${p.errors}{${job}}[1m])) > ${p.threshold}` });
    if (now.series === 0) return { notNeeded: `${p.app} had at most ${p.threshold} failed database calls in the last minute` };

    const quiet = Math.max(2, Math.round(toMs(p.quietFor) / 1000));
    const stopped = async () => {
      // Not yet judged while the application is not up or the window holds fewer than two of its scrapes: a shop
      // that is down, or seen once, shows no increase either.
      const query = `sum(increase(${p.errors}{${job}}[${quiet}s])) > 0 or absent(up{${job}} == 1) or count_over_time(up{${job}}[${quiet}s]) < 2`;
      const failing = await core.promQuery({ prometheus: p.prometheus, query });
      return { ok: failing.series === 0, evidence: { window: `${quiet}s`, failing: failing.sample } };
    };
    for (let round = 1; ; round++) {
      await kit.step(`reset ${p.app}'s connection pool${round > 1 ? ` again (${round} of ${p.resets})` : ''}`, core.httpCall, {
        endpoint: p.admin,
        method: 'POST' as const,
        path: '/pool/reset',
        body: { key: kit.uniqueId(`pool-reset-${round}`) },
      });
      await kit.stabilize(p.settle);
      try {
        await kit.verify(`${p.app}'s pool errors stopped for ${quiet}s`, stopped, { within: p.verifyWithin, every: '2s' });
        return undefined;
      } catch (err) {
        if (round >= p.resets) {
          throw needsPeople(`${p.app}'s database calls still fail after ${round} pool resets (${errorMessage(err)}): the database itself may be down`);
        }
      }
    }
  },
});
