// The one config file, validated with zod at start. Secrets are named by env var, never written here.
import { z } from 'zod';
import { durationAtLeast, durationSchema as duration, envNameSchema } from '../common/schemas';
import { risks, severities } from '../common/types';
import { gatewaySchema } from '../gateway/config-schema';
import { approvalsSchema } from './approvals-schema';
import { drillsSchema } from './drills-schema';
import { learningSchema } from './learning-schema';
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

const temporalTlsSchema = z
  .object({
    /** PEM of the CA that signed the frontend's certificate (default: the system's roots). */
    caFile: z.string().min(1).optional(),
    /** This process's client certificate and key (PEM), for a frontend that requires them (mTLS). */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** The name the frontend's certificate carries, when the address is not it (e.g. an IP). */
    serverName: z.string().min(1).optional(),
    /** Plain text even with an API key (a frontend on loopback or behind a TLS-terminating proxy). */
    disabled: z.boolean().default(false),
  })
  .strict()
  .refine((t) => !t.certFile === !t.keyFile, { message: 'give certFile and keyFile together' });

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
        /** TLS to the frontend; with certFile and keyFile, mTLS (env: TEMPORAL_TLS_CA_PATH, _CERT_PATH, _KEY_PATH, _SERVER_NAME). */
        tls: temporalTlsSchema.optional(),
        /** Env var holding an API key (sent as a bearer token; implies TLS unless tls.disabled). */
        apiKeyEnv: envNameSchema.default('TEMPORAL_API_KEY'),
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
    /** Packs beside the built-in ones: folders (relative to this file) or npm package names. */
    packs: z.array(z.string().min(1)).default([]),
    gateway: gatewaySchema.prefault({}),
    approvals: approvalsSchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
    drills: drillsSchema.prefault({}),
    learning: learningSchema.prefault({}),
  })
  .strict();

/** mend's own sections (`packs` as absolute folders once read), and one section per pack, named after it. */
export type MendConfig = z.infer<typeof configSchema> & { [packSection: string]: unknown };
