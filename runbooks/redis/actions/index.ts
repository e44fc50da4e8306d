// The redis pack's actions: one connection per configured instance, undo snapshots, diagnosis of redis/ targets.
import { defineActions, type ActionsOf } from 'mend';
import type { RedisConfig } from '../config';
import { redisDiagnosis } from './diagnose';
import { redisActivities } from './redis';
import { RedisPool } from './redis-pool';
import { SnapshotStore } from './snapshots';

const actions = defineActions({
  create(config: RedisConfig, mend) {
    const pool = new RedisPool(config);
    mend.onClose(() => pool.close());
    return { ...redisActivities(pool, new SnapshotStore(mend.snapshotsDir)), ...redisDiagnosis(pool) };
  },
  diagnose: { redis: 'redisDiagnose' },
});

export default actions;
export type RedisActions = ActionsOf<typeof actions>;
