// The routes the gateway tries, in order: mend.yaml's own, then each pack's (built-ins first) unless
// `gateway.packRoutes` is false. A pack's routes are checked like the config's; a bad one names its file.
import { z } from 'zod';
import { formatIssues } from '../common/zod-issues';
import type { MendConfig } from '../config/schema';
import { configPacks, type LoadedPack } from '../packs/load';
import { PackError } from '../packs/pack-error';
import { routeSchema, type RouteConfig } from './config-schema';

const checked = new WeakMap<LoadedPack, RouteConfig[]>();

export function gatewayRoutes(config: MendConfig): RouteConfig[] {
  if (!config.gateway.packRoutes) return config.gateway.routes;
  return [...config.gateway.routes, ...configPacks(config).flatMap(packRoutes)];
}

function packRoutes(pack: LoadedPack): RouteConfig[] {
  const known = checked.get(pack);
  if (known) return known;
  const parsed = z.array(routeSchema).safeParse(pack.routes);
  if (!parsed.success) throw new PackError(pack.name, pack.routesFile!, formatIssues(parsed.error).join('; '));
  checked.set(pack, parsed.data);
  return parsed.data;
}
