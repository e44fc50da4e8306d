// service-restart, the seed ladder's rung 3 and a process watchdog: a service that is down is restarted on its host
// with its manager's own command, then it must run and, when it has one, answer its health check. A service that
// does not come back goes to people with the evidence: what the manager said, and what the check saw.
import { defineRunbook, duration, errorMessage, needsPeople, z } from 'mend';
import type { CoreActions } from 'mend/core';
import type { ServicesActions } from '../actions';

const word = /^[A-Za-z0-9.:_@-]+$/;

export const serviceRestart = defineRunbook({
  name: 'service-restart',
  description: "Restart a service that is down with its manager's command over SSH; verify it runs and answers its health check",
  risk: 'medium',
  params: z.object({
    group: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .describe('a host group under core.hosts'),
    host: z.string().regex(word).describe('one of its hosts'),
    service: z.string().regex(word).describe('the service (unit or program) name'),
    manager: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .default('systemd')
      .describe('a service manager under services.managers'),
    health: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .optional()
      .describe('an endpoint under core.http whose /health must answer 200'),
    settle: duration.default('5s').describe('how long the service gets to start before it is checked'),
    verifyWithin: duration.default('1m'),
  }),
  target: (p) => `service/${p.group}/${p.host}/${p.service}`,

  async run(kit, p) {
    const core = kit.activities<CoreActions>();
    const services = kit.activities<ServicesActions>();
    const on = { group: p.group, host: p.host };
    const commands = await services.serviceCommands({ manager: p.manager, service: p.service });
    const check = async () => {
      const running = await core.hostCommand({ ...on, argv: commands.isActive, okExit: Array.from({ length: 255 }, (_, i) => i) }); // 255: ssh could not reach the host
      const runs = running.exitCode === 0;
      const health =
        p.health && runs
          ? await core.httpCall({ endpoint: p.health, path: '/health', expect: 'any' }).catch((err: unknown) => ({ status: 0, excerpt: errorMessage(err) }))
          : undefined;
      const evidence = { runs, manager: running.stdout || running.stderr, health: health && { status: health.status, excerpt: health.excerpt } };
      return { ok: runs && (!health || health.status === 200), evidence };
    };
    const before = await check();
    if (before.ok) return { notNeeded: `${p.service} on ${p.host} runs${p.health ? ' and is healthy' : ''}` };

    try {
      // A service found down is restarted unless it runs by now: a retry after a crash does not restart it twice.
      const unless = before.evidence.runs ? undefined : commands.isActive;
      await kit.step(`restart ${p.service} on ${p.host}`, core.hostCommand, { ...on, argv: commands.restart, unless });
    } catch (err) {
      throw needsPeople(`restarting ${p.service} on ${p.host} failed (${errorMessage(err)}); it is still down: alert people`);
    }
    await kit.stabilize(p.settle);
    try {
      await kit.verify(`${p.service} on ${p.host} runs${p.health ? ' and answers its health check' : ''}`, check, { within: p.verifyWithin, every: '2s' });
    } catch (err) {
      throw needsPeople(`${p.service} on ${p.host} did not come back after its restart (${errorMessage(err)}): alert people`);
    }
    return undefined;
  },
});
