// The shop's runaway batch job, kept for drills like its report bug: slow reads on connections of its own, outside
// the pool, until the database's connections are `share` used. A connection the database kills leaves the job;
// stopping it closes the rest.
import type { Connection } from 'mysql2/promise';

export class RunawayJob {
  private readonly connections = new Set<Connection>();

  constructor(private readonly open: () => Promise<Connection>) {}

  get running(): number {
    return this.connections.size;
  }

  async start(share: number, seconds: number): Promise<{ opened: number; maxConnections: number }> {
    const probe = await this.open();
    let max: number;
    let connected: number;
    try {
      const [[limit]] = (await probe.query('SELECT @@max_connections AS max')) as unknown as [{ max: number }[]];
      const [[status]] = (await probe.query("SHOW GLOBAL STATUS LIKE 'Threads_connected'")) as unknown as [{ Value: string }[]];
      max = Number(limit.max);
      connected = Number(status.Value);
    } finally {
      probe.destroy();
    }
    const wanted = Math.max(0, Math.ceil(share * max) - connected);
    for (let i = 0; i < wanted; i++) {
      const connection = await this.open().catch((err) => {
        this.stop(); // none left behind when the database refuses one
        throw err;
      });
      this.connections.add(connection);
      connection
        .query('SELECT SLEEP(?)', [seconds])
        .catch(() => undefined)
        .finally(() => {
          this.connections.delete(connection);
          connection.destroy();
        });
    }
    return { opened: wanted, maxConnections: max };
  }

  stop(): { closed: number } {
    const closed = this.connections.size;
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    return { closed };
  }
}
