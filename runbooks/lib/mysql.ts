// Shared by the MySQL/MariaDB runbooks: the cluster param, activity stubs, and reading GTID progress.
import { z } from 'zod';
import type { MysqlActivities } from '../../activities/mysql';
import { parseGtids } from '../../common/mysql-gtid';
import type { RunbookKit } from '../../workflows/kit';

export const cluster = z.string().regex(/^[a-z0-9][a-z0-9-]*$/).default('default').describe('MySQL cluster name from config');
export const server = z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port');

export const mysqlActivities = (kit: RunbookKit) => kit.activities<MysqlActivities>();

/** How far a GTID position has come: the sum of each domain's sequence (MariaDB positions are per domain). */
export const gtidProgress = (gtids: string) => parseGtids(gtids).reduce((sum, g) => sum + g.seq, 0);
