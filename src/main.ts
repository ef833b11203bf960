// Composition root: configuration → store, search index, indexer → createApp → listen; or, with
// WEB_CONCURRENCY > 1, the primary of that many such processes (process-group.ts).
// On SIGTERM: readiness fails first, in-flight requests finish (up to 25 s), then exit 0; a second
// signal during that drain (or SIGINT after SIGTERM) exits at once, with code 1.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { systemClock } from './clock';
import { ConfigError, loadConfig, type Config } from './config';
import { createAuthService } from './features/auth/auth.service';
import { REMINDER_INTERVAL_MS, createGrantReminders } from './features/grant-reminders/grant-reminders';
import { startRetention } from './features/retention/retention';
import { createAppLogger, flushLogs } from './logger';
import { createMailer } from './mail';
import { suppressionAware } from './mail/suppression-aware-mailer';
import { createSearchIndex } from './search-index';
import { Indexer } from './search-index/indexer';
import { watchIndex } from './metrics/metrics';
import { createStore } from './store';
import { announceReady, onGroupStop, runProcessGroup } from './process-group';
import { every } from './background-job';
import { gracefulServer } from './http/graceful-close';
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
/** Of the drain, what requests accepted last get to finish once the listener has closed. */
const LAST_REQUESTS_MS = 5_000;
/** What closing the index, mailer and store may take after the drain before the process exits anyway. */
const AFTER_DRAIN_MS = 5_000;
/** How long the last log lines may take to leave: a reader that stopped reading gets no more. */
const LOG_FLUSH_MS = 1_000;

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
  const logger = createAppLogger(config.logLevel, config.production);
  if (config.processes > 1 && cluster.isPrimary) {
    // Configuration is checked (and the secrets of a new data folder written) once, here.
    runProcessGroup(config.processes, logger);
    return;
  }
  // In a group, the primary passes its signals on as messages: the same signal sent to the whole
  // process group reaches this process twice, once from the primary, and must count once. Until
  // the server is up, a stop ends the process as the signal itself would.
  const groupStop = { drain: (signal: NodeJS.Signals) => { process.kill(process.pid, signal); }, now: (signal: NodeJS.Signals) => { process.kill(process.pid, signal); } };
  onGroupStop({ drain: (signal) => groupStop.drain(signal), now: (signal) => groupStop.now(signal) });
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
  const reminders = every(REMINDER_INTERVAL_MS, () => runGrantReminders(systemClock.now()), (err) => logger.error({ err }, 'grant reminders failed'));
  const retention = startRetention({ store, clock: systemClock, auditRetentionDays: config.auditRetentionDays, logger: logger.child({ component: 'retention' }) });

  let shuttingDown = false;
  const app = createApp({ config, store, search, clock: systemClock, logger, mailer, isShuttingDown: () => shuttingDown });
  const server: Server = app.listen(config.port, () => {
    // The bound port, not the configured one: PORT=0 picks a free port (tests, several processes).
    const { port } = server.address() as AddressInfo;
    logger.info({ port, store: store.name, search: search.name, mail: mailer.name }, `listening on ${config.publicUrl}`);
    // In a group of app processes the next one starts now, and loads this one's index snapshot.
    indexer.snapshotWritten().then(announceReady, () => announceReady());
  });
  // Attached before the first connection: it must see every one (src/http/graceful-close.ts).
  const http = gracefulServer(server);

  /** Each step of the shutdown runs even if one before it failed: the process must still exit. */
  const step = async (name: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      logger.error({ err, step: name }, 'shutdown step failed');
    }
  };
  /** The log's last lines are best effort: a reader that has gone or stopped reading must not keep the process alive. */
  const exit = async (code: number): Promise<never> => {
    await flushLogs(LOG_FLUSH_MS);
    process.exit(code);
  };

  let drainSignal: string | null = null;
  const shutdown = async (signal: string) => {
    if (drainSignal) return;
    drainSignal = signal;
    shuttingDown = true;
    http.beginDrain();
    logger.info({ signal }, 'shutting down: readiness off, draining requests');
    // Whatever a step below waits for (a snapshot of a large index, a store that does not answer),
    // the process is gone this long after the signal.
    setTimeout(() => {
      logger.warn({ afterMs: DRAIN_MS + AFTER_DRAIN_MS }, 'shutdown took too long: exiting now');
      void exit(0);
    }, DRAIN_MS + AFTER_DRAIN_MS);
    const stoppingReminders = reminders.stop();
    const stoppingRetention = retention.stop();
    const drainEnds = Date.now() + DRAIN_MS;
    if (signal === 'SIGTERM') await new Promise((resolve) => setTimeout(resolve, READINESS_GRACE_MS));
    // Still receiving connections (a load balancer slower than the grace, clients without one): the
    // listener stays open, and answering, until they stop; within the drain's bound, with 5 s left for the rest.
    const { arriving } = await http.stopAccepting(Math.max(0, drainEnds - LAST_REQUESTS_MS - Date.now()));
    logger.info({ inFlight: http.inFlight(), ...(arriving ? { stillArriving: arriving } : {}) }, 'listener closed: finishing requests in flight');
    const { cutOff } = await http.finish(Math.max(0, drainEnds - Date.now()));
    if (cutOff) logger.warn({ connections: cutOff }, 'drain timed out: closed the remaining connections');
    // Every job that uses the store stops before it closes, and none starts again.
    await step('reminders', () => stoppingReminders);
    await step('retention', () => stoppingRetention);
    await step('indexer', () => indexer.stop());
    await step('search', () => search.close());
    await step('mailer', () => mailer.close());
    await step('store', () => store.close());
    logger.info('stopped');
    await exit(0);
  };
  /** A second signal, or SIGINT during a SIGTERM drain: the operator wants the process gone now. */
  const stopNow = (signal: string) => {
    logger.warn({ signal, inFlight: http.inFlight() }, 'second signal during the drain: exiting at once');
    void exit(1);
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (drainSignal && (signals > 1 || signal !== drainSignal)) stopNow(signal);
    else void shutdown(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  groupStop.drain = (signal) => void shutdown(signal);
  groupStop.now = stopNow;
}

// Standard error may be a pipe nobody reads any more: a failed write must not end the process.
process.stderr.on('error', () => {});

main().catch((err) => {
  process.stderr.write(`Start-up failed: ${(err as Error).message}\n`);
  process.exit(1);
});
