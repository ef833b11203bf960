// Composition root: configuration → store, search index, indexer → createApp → listen.
// On SIGTERM: readiness fails first, in-flight requests finish (up to 25 s), then exit 0.
import type { Server } from 'node:http';
import { createApp } from './app';
import { systemClock } from './clock';
import { ConfigError, loadConfig, type Config } from './config';
import { createAuthService } from './features/auth/auth.service';
import { createLogger } from './logger';
import { createMailer } from './mail';
import { createSearchIndex } from './search-index';
import { Indexer } from './search-index/indexer';
import { createStore } from './store';
import { seedDemo } from './demo/seed-demo';

const DRAIN_MS = 25_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const store = await createStore(config);
  const search = await createSearchIndex(config);
  const mailer = createMailer(config, store, systemClock);

  if ((await store.partners.list()).length === 0) {
    logger.info('empty data folder: loading the demo data set');
    const auth = createAuthService(store, systemClock);
    const { accounts, counts } = await seedDemo({ store, auth, orgs: 300, users: 3000, seed: 1 });
    logger.info({ counts }, 'demo data loaded');
    // The one place demo passwords appear: the operator's terminal on first start, as the spec asks.
    const lines = accounts.map((a) => `  ${a.role.padEnd(13)} ${a.email.padEnd(28)} ${a.password ?? "(existing account, unchanged)"}   (${a.partnerId})`);
    process.stdout.write(`\nDemo accounts (shown once; sign in at ${config.publicUrl}/login):\n${lines.join('\n')}\n\n`);
  }

  const indexer = new Indexer(store, search, logger.child({ component: 'indexer' }));
  const built = await indexer.rebuild();
  logger.info({ documents: built.count, engine: search.name }, 'search index ready');
  indexer.start();

  let shuttingDown = false;
  const app = createApp({ config, store, search, clock: systemClock, logger, mailer, isShuttingDown: () => shuttingDown });
  const server: Server = app.listen(config.port, () => {
    logger.info({ port: config.port, store: store.name, search: search.name, mail: mailer.name }, `listening on ${config.publicUrl}`);
  });

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: readiness off, draining requests');
    const force = setTimeout(() => {
      logger.warn('drain timed out: closing remaining connections');
      server.closeAllConnections();
    }, DRAIN_MS);
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(force);
    await indexer.stop();
    await search.close();
    await mailer.close();
    await store.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`Start-up failed: ${(err as Error).message}\n`);
  process.exit(1);
});
