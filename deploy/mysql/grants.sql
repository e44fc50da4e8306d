-- The accounts of a MariaDB 10.11 replication topology that mend manages; run on the primary (replicas copy them).
-- @MEND_HOST@ is where mend's worker connects from, @REPL_HOST@ the replicas, @APP_HOST@ the applications; the
-- passwords are set out of band (ALTER USER ... IDENTIFIED BY ...) and given to mend by environment variable name.
--
-- mend: what its activities use, nothing more.
--   RELOAD                                     RESET SLAVE ALL when a replica is promoted (MariaDB asks for it)
--   PROCESS                                    the processlist with full statements, InnoDB transactions
--   CONNECTION ADMIN                           KILL of other users' connections (connection surge)
--   BINLOG MONITOR, REPLICA MONITOR            GTID positions, SHOW SLAVE STATUS, semi-sync status
--   REPLICATION SLAVE ADMIN                    START/STOP SLAVE, CHANGE MASTER, RESET SLAVE, MASTER_GTID_WAIT
--   REPLICATION MASTER ADMIN                   semi-sync on a promoted primary
--   READ_ONLY ADMIN                            SET GLOBAL read_only (fencing, switchover, promotion)
-- and, on each application database it backs up (not on *.*, which holds mysql.global_priv's password hashes):
--   SELECT, SHOW VIEW, TRIGGER, EVENT          its dump and checksums; SELECT on mysql.proc for its routines
-- (A dump with --single-transaction reads its binlog position without a global lock: no LOCK TABLES.)
-- No data-changing privilege: mend never writes application data.
CREATE DATABASE IF NOT EXISTS appdb;
CREATE USER IF NOT EXISTS 'mend'@'@MEND_HOST@';
GRANT RELOAD, PROCESS, CONNECTION ADMIN, BINLOG MONITOR, REPLICA MONITOR, REPLICATION SLAVE ADMIN,
  REPLICATION MASTER ADMIN, READ_ONLY ADMIN ON *.* TO 'mend'@'@MEND_HOST@';
GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON appdb.* TO 'mend'@'@MEND_HOST@';
GRANT SELECT ON mysql.proc TO 'mend'@'@MEND_HOST@';

-- Replicas connect with this account to whichever server is the primary.
CREATE USER IF NOT EXISTS 'repl'@'@REPL_HOST@';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'@REPL_HOST@';

-- mysqld_exporter (Prometheus's view of each server, which mend's MySQL alert rules read): the processlist and the
-- replica status. @EXPORTER_HOST@ is where it connects from.
CREATE USER IF NOT EXISTS 'exporter'@'@EXPORTER_HOST@' WITH MAX_USER_CONNECTIONS 3;
GRANT PROCESS, REPLICA MONITOR ON *.* TO 'exporter'@'@EXPORTER_HOST@';

-- Applications get DML only: READ ONLY ADMIN (in ALL PRIVILEGES) would let them write through read_only.
CREATE USER IF NOT EXISTS 'app'@'@APP_HOST@';
GRANT SELECT, INSERT, UPDATE, DELETE ON appdb.* TO 'app'@'@APP_HOST@';
