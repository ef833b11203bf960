// Composition root: configuration → store, search index, indexer → createApp → listen; or, with
// WEB_CONCURRENCY > 1, the primary of that many such processes (process-group.ts).
// On SIGTERM: readiness fails first, in-flight requests finish (up to 25 s), then exit 0.
import cluster from 'node:cluster';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { systemClock } from './clock';
import { ConfigError, loadConfig, type Config } from './config';
import { createAuthService } from './features/auth/auth.service';
import { REMINDER_INTERVAL_MS, createGrantReminders } from './features/consent/grant-reminders';
import { createLogger } from './logger';
import { createMailer } from './mail';
import { suppressionAware } from './mail/suppression-aware-mailer';
import { createSearchIndex } from './search-index';
import { Indexer } from './search-index/indexer';
import { watchIndex } from './metrics/metrics';
import { createStore } from './store';
import { announceReady, runProcessGroup } from './process-group';
import { seedDemo } from './demo/seed-demo';
import { DEV_MAILBOX_PATH, devMailboxEnabled } from './features/dev-mailbox/dev-mailbox.routes';

const DRAIN_MS = 25_000;
/** What an operator runs to start using an empty production store (`agent add` needs the partner to exist). */
const FIRST_PARTNER_ADMIN_STEPS = [
  `echo '{"kind":"partner","id":"ID","name":"NAME"}' | npx helpdesk import -`,
  'npx helpdesk agent add --partner ID --email E --name N --role partner_admin',
];
/**
 * After SIGTERM the listener stays open this long with /readyz failing, so that a load balancer
 * polling readiness stops sending before connections are refused; requests meanwhile are served.
 * SIGINT (an operator's Ctrl-C, no load balancer) skips it.
 */
const READINESS_GRACE_MS = 5_000;

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
  if (config.processes > 1 && cluster.isPrimary) {
    // Configuration is checked (and the secrets of a new data folder written) once, here.
    runProcessGroup(config.processes, logger);
    return;
  }
  const store = await createStore(config);
  const search = await createSearchIndex(config, logger);
  // Every sender in this process, in the app or beside it, goes through the suppression list.
  const mailer = suppressionAware(createMailer(config, store, systemClock), store, systemClock);

  if ((await store.partners.list()).length === 0) {
    if (config.production) {
      // Never demo data in production: its accounts and printed passwords would be live credentials.
      logger.warn({ firstSteps: FIRST_PARTNER_ADMIN_STEPS }, 'empty store: production starts without data. With the app\'s '
        + 'environment, create the partner, then its first partner admin (the password is read from standard input): '
        + FIRST_PARTNER_ADMIN_STEPS.join(' ; '));
    } else {
      logger.info('empty data folder: loading the demo data set');
      const auth = createAuthService(store, systemClock);
      const { accounts, counts } = await seedDemo({ store, auth, orgs: 300, users: 3000, seed: 1 });
      logger.info({ counts }, 'demo data loaded');
      // The one place demo passwords appear: the operator's terminal on a development machine's first start.
      const lines = accounts.map((a) => `  ${a.role.padEnd(13)} ${a.email.padEnd(28)} ${a.password ?? "(existing account, unchanged)"}   (${a.partnerId})`);
      // Without SMTP the codes and sign-in links the flows need are in the development mailbox.
      const mailbox = devMailboxEnabled(config)
        ? `Mail is not sent: read it, codes and links included, in the development mailbox at ${config.publicUrl}${DEV_MAILBOX_PATH}\n`
        : '';
      process.stdout.write(`\nDemo accounts (shown once; sign in at ${config.publicUrl}/login):\n${lines.join('\n')}\n${mailbox}\n`);
    }
  }

  const indexer = new Indexer(store, search, logger.child({ component: 'indexer' }));
  const built = await indexer.open();
  watchIndex({ store, search, clock: systemClock, position: () => indexer.position });
  logger.info({ documents: built.count, engine: search.name }, 'search index ready');
  indexer.start();

  // Every process runs the reminder job; the store's claim makes each reminder go out once.
  const runGrantReminders = createGrantReminders({ store, mailer, publicUrl: config.publicUrl, logger: logger.child({ component: 'grant-reminders' }) });
  const reminders = setInterval(() => {
    runGrantReminders(systemClock.now()).catch((err) => logger.error({ err }, 'grant reminders failed'));
  }, REMINDER_INTERVAL_MS);
  reminders.unref();

  let shuttingDown = false;
  const app = createApp({ config, store, search, clock: systemClock, logger, mailer, isShuttingDown: () => shuttingDown });
  const server: Server = app.listen(config.port, () => {
    // The bound port, not the configured one: PORT=0 picks a free port (tests, several processes).
    const { port } = server.address() as AddressInfo;
    logger.info({ port, store: store.name, search: search.name, mail: mailer.name }, `listening on ${config.publicUrl}`);
    // In a group of app processes the next one starts now, and loads this one's index snapshot.
    indexer.snapshotWritten().then(announceReady, () => announceReady());
  });

  // While draining, every answer carries `Connection: close`, so a keep-alive client opens a new
  // connection for its next request instead of reusing one the server is about to close: closing a
  // kept-alive connection just as the client sends on it is what resets requests at shutdown.
  const inFlight = new Set<ServerResponse>();
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (shuttingDown) {
      res.setHeader('Connection', 'close');
      return;
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    logger.info({ signal }, 'shutting down: readiness off, draining requests');
    const force = setTimeout(() => {
      logger.warn('drain timed out: closing remaining connections');
      server.closeAllConnections();
    }, DRAIN_MS);
    if (signal === 'SIGTERM') await new Promise((resolve) => setTimeout(resolve, READINESS_GRACE_MS));
    // close() stops accepting and closes idle connections; it calls back once the busy ones finished.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    logger.info({ inFlight: inFlight.size }, 'listener closed: finishing requests in flight');
    await closed;
    clearTimeout(force);
    clearInterval(reminders);
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
