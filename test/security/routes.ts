// Enumerates every route the app mounts by walking Express 5's router stack. The router package
// (2.x) keeps each layer's mount path as `layer.rawPath` (a string for every mount this app uses)
// and each route's `route.path` and `route.methods`; nested Routers are layers whose `handle` has a
// `stack`. Anything the walk cannot read as a plain string fails loudly, so a change of router
// internals or a RegExp/array mount shows up as a failing suite, not as silently missing routes.
import type { Express } from 'express';

export interface MountedRoute { method: string; path: string }

interface Layer {
  rawPath?: unknown;
  slash?: boolean;
  handle?: { stack?: Layer[] };
  route?: { path: unknown; methods: Record<string, boolean>; stack: Layer[] };
}

const join = (prefix: string, path: string) => (prefix === '/' ? '' : prefix) + (path === '/' && prefix !== '/' ? '' : path) || '/';

function walk(stack: Layer[], prefix: string, out: MountedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      if (typeof layer.route.path !== 'string') throw new Error(`route path is not a string: ${String(layer.route.path)}`);
      const path = join(prefix, layer.route.path);
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push({ method: method.toUpperCase(), path });
      }
      continue;
    }
    const nested = layer.handle?.stack;
    if (!nested) continue;
    if (typeof layer.rawPath !== 'string') throw new Error(`mount path is not a string: ${String(layer.rawPath)}`);
    walk(nested, join(prefix, layer.rawPath), out);
  }
}

export function mountedRoutes(app: Express): MountedRoute[] {
  const router = (app as unknown as { router?: { stack: Layer[] } }).router;
  if (!router) throw new Error('app.router is missing: not Express 5?');
  const out: MountedRoute[] = [];
  walk(router.stack, '/', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
