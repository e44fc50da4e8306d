// One Redis connection per configured instance, opened on first use and shared by all activities.
import { nonRetryable } from 'mend';
import { Redis } from 'ioredis';
import type { RedisConfig } from '../config';

export class RedisPool {
  private readonly clients = new Map<string, Redis>();

  constructor(private readonly targets: RedisConfig) {}

  get(name: string): Redis {
    const existing = this.clients.get(name);
    if (existing) return existing;
    const target = this.targets[name];
    if (!target) throw nonRetryable(`no Redis named "${name}" in config (known: ${Object.keys(this.targets).join(', ') || 'none'})`);
    // Options built here: given a URL, ioredis would let the URL's (empty) password win over passwordEnv.
    const url = new URL(target.url);
    const client = new Redis({
      host: url.hostname,
      port: Number(url.port || 6379),
      username: decodeURIComponent(url.username) || undefined,
      password: target.passwordEnv ? process.env[target.passwordEnv] : undefined,
      db: Number(url.pathname.slice(1) || 0),
      tls: url.protocol === 'rediss:' ? {} : undefined,
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
    });
    client.on('error', () => undefined); // surfaced by the command that fails
    this.clients.set(name, client);
    return client;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.clients.values()].map((c) => c.quit()));
    this.clients.clear();
  }
}
