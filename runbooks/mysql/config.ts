// The mysql pack's config section: MySQL/MariaDB replication topologies, by name; mend finds the primary.
import { asRecord, defineConfig, drillMark, duration, envName, targetOfInstance, z, type ConfigOf } from 'mend';

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
    /** Scrape targets (an alert's `instance`) that report on this cluster, when they are not its nodes (e.g. db1:9104). */
    instances: z.array(z.string().min(1)).optional(),
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
    writerEndpoint: z
      .object({ file: z.string().min(1) })
      .strict()
      .optional(),
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
    drill: drillMark,
  })
  .strict();

const mysqlConfig = defineConfig({
  schema: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), mysqlClusterSchema).default({}),
  fromEnv(section, env) {
    const { MEND_MYSQL_NODES: nodes, MEND_MYSQL_WRITER_FILE: writer, MEND_MYSQL_BACKUP_DIR: backups } = env;
    if (!nodes && !writer && !backups) return section;
    const clusters = asRecord(section);
    const cluster = asRecord(clusters.default);
    if (nodes) cluster.nodes = nodes.split(',').map((n) => n.trim());
    if (writer) cluster.writerEndpoint = { file: writer };
    if (backups) cluster.backup = { ...asRecord(cluster.backup), dir: backups };
    return { ...clusters, default: cluster };
  },
  lookups: {
    /** The configured cluster an `instance` label reports on (mysqld_exporter's MySQLDown has no cluster label). */
    cluster: (instance, section) =>
      targetOfInstance(instance, Object.fromEntries(Object.entries(section).map(([name, c]) => [name, { addresses: c.nodes, instances: c.instances }]))),
  },
});

export type MysqlConfig = ConfigOf<typeof mysqlConfig>;

export default mysqlConfig;
