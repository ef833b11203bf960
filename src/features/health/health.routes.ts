// Liveness and readiness for the load balancer: /readyz names each component and its state.
import { Router } from 'express';
import type { SearchIndex } from '../../search-index/search-index';
import type { Store } from '../../store/store';

const PING_TIMEOUT_MS = 2000;

async function check(name: string, ping: () => Promise<void>): Promise<{ name: string; status: 'up' | 'down'; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer in time')), PING_TIMEOUT_MS); }),
    ]);
    return { name, status: 'up' };
  } catch (err) {
    return { name, status: 'down', error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(store: Store, search: SearchIndex, isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const components = await Promise.all([
      check(`store (${store.name})`, () => store.ping()),
      check(`search (${search.name})`, () => search.ping()),
    ]);
    const ready = !isShuttingDown() && components.every((c) => c.status === 'up');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', shuttingDown: isShuttingDown(), components });
  });
  return router;
}
