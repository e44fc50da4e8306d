// The one config file, validated with zod at start. Secrets are named by env var, never written here.
import { z } from 'zod';
import { durationAtLeast, durationSchema as duration, envNameSchema as envName } from '../common/schemas';
import { risks, severities } from '../common/types';
import { gatewaySchema } from '../gateway/config-schema';
import { notificationsSchema } from './notifications-schema';

export const policySchema = z
  .object({
    attempts: z
      .object({ max: z.number().int().min(1).default(3), window: duration.default('5m') })
      .strict()
      .prefault({}),
    cooldown: duration.default('1m'),
    lockWait: duration.default('10m'),
    maxHold: duration.default('1h'),
    approval: z
      .object({
        severities: z.array(z.enum(severities)).default(['critical']),
        risks: z.array(z.enum(risks)).default(['high']),
        approvers: z.array(z.string().min(1)).default([]),
        quorum: z.number().int().min(1).default(1),
        timeout: duration.default('15m'),
      })
      .strict()
      .prefault({}),
    refuseDestructiveWithoutUndo: z.boolean().default(true),
    retry: z
      .object({
        maximumAttempts: z.number().int().min(1).max(20).default(3),
        initialInterval: duration.default('1s'),
        maximumInterval: duration.default('30s'),
        backoffCoefficient: z.number().min(1).default(2),
      })
      .strict()
      .prefault({}),
    activityTimeout: duration.default('2m'),
    /** The most replicas a scale-up runbook may set on a workload. */
    maxReplicas: z.number().int().min(1).default(10),
    /** Blast-radius limits: runbooks of which at most one runs at a time within their scope (e.g. a cluster). */
    oneAtATime: z.array(z.string().min(1)).default(['k8s-node-drain']),
  })
  .strict();

const redisTargetSchema = z
  .object({
    url: z.string().regex(/^rediss?:\/\//, 'expected redis:// or rediss:// URL without a password'),
    passwordEnv: envName.optional(),
  })
  .strict();

const kubernetesClusterSchema = z.union([
  z
    .object({
      kubeconfig: z.string().min(1).describe('path to a kubeconfig file'),
      context: z.string().min(1).optional().describe("the kubeconfig's current context if unset"),
    })
    .strict(),
  z.object({ inCluster: z.literal(true).describe("the pod's service account (mend running in the cluster)") }).strict(),
]);

const hookCommand = z.array(z.string().min(1)).min(1).describe('argv: the program, then its arguments');

const mysqlBackupSchema = z
  .object({
    dir: z.string().min(1).default('.mend/backups'),
    /** Backups kept per cluster: after a new one verifies, the oldest beyond this are deleted. */
    retain: z.number().int().min(1).default(7),
    /** Where mariadbd, mariadb-install-db, mariadb and mariadb-dump are; default: PATH, then /usr/sbin. */
    binDir: z.string().min(1).optional(),
  })
  .strict();

export const mysqlClusterSchema = z
  .object({
    /** Every server of the replication topology, host:port; mend finds which is the primary. */
    nodes: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1),
    user: z.string().min(1).default('mend'),
    passwordEnv: envName.optional(),
    /** The account replicas connect to their source with (CHANGE MASTER TO ... MASTER_USER). */
    replicationUser: z.string().min(1).default('repl'),
    replicationPasswordEnv: envName.optional(),
    /** How long a probe waits for a connection before it counts as failed. */
    connectTimeout: duration.default('1s'),
    /** Fail over a confirmed-dead primary without asking; false: wait for approval. */
    autoFailover: z.boolean().default(true),
    /** Where applications find the writer: a JSON file ({"writer": "host:port"}) they reload; written atomically. */
    writerEndpoint: z.object({ file: z.string().min(1) }).strict().optional(),
    /** Where mysql-backup-verify keeps backups (a folder per cluster) and how many. */
    backup: mysqlBackupSchema.prefault({}),
    /** Anti-flapping: after a failover, another one within this window waits for a human (0s: never blocks). */
    blockAfterFailover: duration.default('1h'),
    /** Commands run around a failover or switchover (argv, no shell), with MEND_* variables saying what happens. */
    hooks: z
      .object({
        preFailover: z.array(hookCommand).default([]).describe('all must succeed, or nothing is changed'),
        postFailover: z.array(hookCommand).default([]).describe('a failure is recorded, not fatal'),
        timeout: duration.default('30s'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const configSchema = z
  .object({
    temporal: z
      .object({
        address: z.string().min(1).default('127.0.0.1:7233'),
        namespace: z.string().min(1).default('default'),
        taskQueue: z.string().min(1).default('mend'),
        uiUrl: z.string().url().default('http://localhost:8233'),
        /** Tag incidents with mend's search attributes (the worker registers them when it may). */
        searchAttributes: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    worker: z
      .object({
        /** Workflows kept in memory between tasks; others are replayed from history when they wake up. */
        maxCachedWorkflows: z.number().int().min(0).default(10),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        port: z.number().int().min(0).max(65535).default(9464),
        host: z.string().default('127.0.0.1'),
        /** How often mend_approvals_waiting is counted from Temporal's visibility. */
        approvalsEvery: durationAtLeast(100, 'at least 100ms').default('15s'),
      })
      .strict()
      .prefault({}),
    policy: policySchema.prefault({}),
    snapshots: z
      .object({ dir: z.string().min(1).default('.mend/snapshots') })
      .strict()
      .prefault({})
      .describe('where undo data (e.g. deleted Redis keys) is kept; share it between workers'),
    redis: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), redisTargetSchema).default({}),
    kubernetes: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), kubernetesClusterSchema).default({}),
    mysql: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), mysqlClusterSchema).default({}),
    gateway: gatewaySchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
  })
  .strict();

export type MendConfig = z.infer<typeof configSchema>;
