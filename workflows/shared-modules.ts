// What the bundle evaluates once per worker thread and shares, frozen, with every workflow (the bundler's
// preloadModules) instead of once per workflow started or replayed: only libraries that keep no workflow's state.
// zod's evaluation was most of the cost of starting a workflow. zod sets its default locale and memoizer when the
// first schema is built: built here, before the shared modules are frozen. (Used, not just imported: zod declares
// no side effects, so a bare import would be dropped.)
import * as z from 'zod';

export const zodReady = z.object({ ready: z.boolean() }).parse({ ready: true }).ready;
