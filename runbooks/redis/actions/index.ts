// The redis pack's actions: one connection per configured instance, undo snapshots, diagnosis of redis/ targets.
import { asRecord, defineActions, type ActionsOf } from 'mend';
import { redisConfig } from './config';
import { redisDiagnosis } from './diagnose';
import { redisActivities } from './redis';
import { RedisPool } from './redis-pool';
import { SnapshotStore } from './snapshots';

const actions = defineActions({
  config: redisConfig,
  create(config, mend) {
    const pool = new RedisPool(config);
    mend.onClose(() => pool.close());
    return { ...redisActivities(pool, new SnapshotStore(mend.snapshotsDir)), ...redisDiagnosis(pool) };
  },
  diagnose: { redis: 'redisDiagnose' },
  fromEnv(section, env) {
    if (!env.MEND_REDIS_URL) return section;
    const instances = asRecord(section);
    return { ...instances, default: { ...asRecord(instances.default), url: env.MEND_REDIS_URL } };
  },
});

export default actions;
export type RedisActions = ActionsOf<typeof actions>;
