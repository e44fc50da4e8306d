// The routes the gateway tries, in order: mend.yaml's own, then each pack's (built-ins first) unless
// `gateway.packRoutes` is false, and the packs' lookups their templates may use. A pack's routes are checked like
// the config's; a bad one names its file.
import { z } from 'zod';
import { formatIssues } from '../common/zod-issues';
import type { MendConfig } from '../config/schema';
import { configPacks, packConfig, type LoadedPack } from '../packs/load';
import { PackError } from '../packs/pack-error';
import { routeSchema, type RouteConfig } from './config-schema';
import { Router, type Lookups } from './router';

const checked = new WeakMap<LoadedPack, RouteConfig[]>();

export function gatewayRoutes(config: MendConfig): RouteConfig[] {
  const fromPacks = configPacks(config).flatMap(packRoutes); // checked even when off: a broken routes file is an error
  return config.gateway.packRoutes ? [...config.gateway.routes, ...fromPacks] : config.gateway.routes;
}

/** Every pack's lookups, by template name (`mysql.cluster`), each bound to its pack's section of this config. */
export function routeLookups(config: MendConfig): Lookups {
  const lookups = new Map<string, (value: string) => string>();
  for (const pack of configPacks(config)) {
    for (const [name, lookup] of Object.entries(packConfig(pack)?.lookups ?? {})) {
      lookups.set(`${pack.name}.${name}`, (value) => lookup(value, config[pack.name]));
    }
  }
  return lookups;
}

/** The gateway's router for this config. */
export const routerFor = (config: MendConfig): Router => new Router(gatewayRoutes(config), routeLookups(config));

function packRoutes(pack: LoadedPack): RouteConfig[] {
  const known = checked.get(pack);
  if (known) return known;
  const parsed = z.array(routeSchema).safeParse(pack.routes);
  if (!parsed.success) throw new PackError(pack.name, pack.routesFile!, formatIssues(parsed.error).join('; '));
  checked.set(pack, parsed.data);
  return parsed.data;
}
