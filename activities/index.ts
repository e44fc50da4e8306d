// Every activity the worker registers: the engine's own (settings, diagnosis dispatch, guard, notices) and each
// pack's actions, created from its config section. Two packs (or a pack and the engine) with one name are refused.
import type { Client } from '@temporalio/client';
import type { MendConfig } from '../config/schema';
import { packActions, type LoadedPack } from '../packs/load';
import { PackError } from '../packs/pack-error';
import type { ActionContext } from '../sdk/actions';
import { drillReportActivities } from './drill-report';
import { drillWatchActivities } from './drill-watch';
import { drillActivities } from './drills';
import { guardActivities } from './guard';
import { httpCheckActivities } from './http-check';
import { incidentActivities, type Diagnoser } from './incident';
import { openingActivities } from './incident-opening';
import { notifyActivities, type NotifyCounter } from './notify';
import { operatorIdentityActivities } from './operator-identity';
import { outcomeActivities } from './outcomes';

type Activity = (...args: never[]) => Promise<unknown>;

export function engineActivities(config: MendConfig, client: Client, diagnosers: Map<string, Diagnoser>, notifications?: NotifyCounter) {
  const incident = incidentActivities(config, diagnosers);
  const outcomes = outcomeActivities(client);
  const identities = operatorIdentityActivities(config.approvals, client);
  return {
    ...incident,
    ...openingActivities({ ...incident, ...outcomes, ...identities }),
    ...guardActivities(client),
    ...notifyActivities(config.notifications, notifications),
    ...httpCheckActivities(),
    ...outcomes,
    ...identities,
  };
}

export type MendActivities = ReturnType<typeof engineActivities>;

export interface WorkerActivities {
  activities: Record<string, Activity>;
  /** Closes what the packs opened (connection pools). */
  close(): Promise<void>;
}

export function createActivities(config: MendConfig, client: Client, packs: LoadedPack[], notifications?: NotifyCounter): WorkerActivities {
  const closers: (() => unknown)[] = [];
  const diagnosers = new Map<string, Diagnoser>();
  const activities: Record<string, Activity> = { ...engineActivities(config, client, diagnosers, notifications) };
  const owner = new Map<string, string>();
  const context = { snapshotsDir: config.snapshots.dir, onClose: (close: () => unknown) => void closers.push(close) };
  Object.assign(activities, drillActivities(config, packs, context), drillWatchActivities(client), drillReportActivities(config));
  for (const name of Object.keys(activities)) owner.set(name, 'mend itself');
  try {
    for (const pack of packs) addPackActions(pack, config[pack.name], context, { activities, owner, diagnosers });
  } catch (err) {
    void closeAll(closers); // what the packs before it opened
    throw err;
  }
  return { activities, close: () => closeAll(closers) };
}

interface Registry {
  activities: Record<string, Activity>;
  /** Who defined each name: a pack's name, or "mend itself". */
  owner: Map<string, string>;
  diagnosers: Map<string, Diagnoser>;
}

function addPackActions(pack: LoadedPack, section: unknown, context: ActionContext, { activities, owner, diagnosers }: Registry): void {
  const definition = packActions(pack);
  if (!definition) return;
  const file = pack.actionsFile!;
  let actions: Record<string, Activity>;
  try {
    actions = definition.create(section, context) as Record<string, Activity>;
  } catch (err) {
    throw new PackError(pack.name, file, `create() failed: ${(err as Error).message}`);
  }
  for (const [name, action] of Object.entries(actions)) {
    if (typeof action !== 'function') throw new PackError(pack.name, file, `action "${name}" is not a function`);
    const other = owner.get(name);
    if (other) throw new PackError(pack.name, file, `action "${name}" is already defined by ${other === 'mend itself' ? other : `pack ${other}`}`);
    owner.set(name, pack.name);
    activities[name] = action;
  }
  for (const [kind, name] of Object.entries(definition.diagnose ?? {})) {
    if (typeof actions[name] !== 'function') throw new PackError(pack.name, file, `diagnose.${kind} names no action of the pack: "${name}"`);
    if (diagnosers.has(kind)) throw new PackError(pack.name, file, `another pack already diagnoses "${kind}/" targets`);
    diagnosers.set(kind, actions[name] as Diagnoser);
  }
}

const closeAll = async (closers: (() => unknown)[]) => void (await Promise.allSettled(closers.map((close) => close())));
