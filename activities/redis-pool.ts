// One Redis connection per configured instance, opened on first use and shared by all activities.
import { Redis } from 'ioredis';
import type { MendConfig } from '../config/schema';
import { nonRetryable } from './errors';

export class RedisPool {
  private readonly clients = new Map<string, Redis>();

  constructor(private readonly targets: MendConfig['redis']) {}

  get(name: string): Redis {
    const existing = this.clients.get(name);
    if (existing) return existing;
    const target = this.targets[name];
    if (!target) throw nonRetryable(`no Redis named "${name}" in config (known: ${Object.keys(this.targets).join(', ') || 'none'})`);
    const client = new Redis(target.url, {
      password: target.passwordEnv ? process.env[target.passwordEnv] : undefined,
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
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
