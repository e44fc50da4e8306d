// The runbook catalog. To add a runbook: write runbooks/<name>.ts with defineRunbook, add it here, add its test.
import { cacheWarmup } from './cache-warmup';
import { redisFlushCache } from './redis-flush-cache';
import { redisMemoryRelief } from './redis-memory-relief';

export const runbooks = [cacheWarmup, redisMemoryRelief, redisFlushCache];
