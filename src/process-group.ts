// WEB_CONCURRENCY > 1: this process is the primary of that many app processes sharing the port
// (node:cluster), so that the app uses more than one core. They start one after another: the first
// loads the demo data of an empty folder and builds the search index; each next one starts once the
// one before is ready (listening, its index snapshot written), so it loads that snapshot instead of
// building the index again. A process that dies is replaced. SIGTERM and SIGINT are passed on;
// each process drains its own requests, and the primary exits once every one has stopped.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { serveGroupMetrics } from './metrics/group-metrics';

/** Sent by an app process to the primary once it listens and its index snapshot is on disk. */
export const READY_MESSAGE = 'app-process-ready';

const REPLACE_AFTER_MS = 1_000;

/** In an app process of a group: tells the primary this one is ready. Elsewhere it does nothing. */
export function announceReady(): void {
  if (cluster.isWorker) process.send?.({ type: READY_MESSAGE });
}

export function runProcessGroup(size: number, logger: Logger): void {
  const ready = new Set<Worker>();
  let everReady = false;
  let stopping = false;
  // GET /metrics in any worker answers for the whole group (metrics/group-metrics.ts).
  serveGroupMetrics();
  let failed = false;

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: { type?: string }) => {
      if (message?.type !== READY_MESSAGE) return;
      ready.add(worker);
      if (!everReady && ready.size === size) {
        everReady = true;
        logger.info({ processes: size }, 'all app processes ready');
      }
      if (!everReady && !stopping) fork();
    });
    worker.on('exit', (code, signal) => {
      ready.delete(worker);
      if (stopping) {
        if (code !== 0) failed = true;
        if (Object.keys(cluster.workers ?? {}).length === 0) {
          logger.info('all app processes stopped');
          process.exit(failed ? 1 : 0);
        }
        return;
      }
      if (!everReady) {
        // A process that cannot start would fail the same way again: stop, like a single process would.
        logger.fatal({ appProcess: worker.process.pid, code, signal }, 'an app process failed to start: stopping');
        stopping = true;
        failed = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1);
        return;
      }
      logger.error({ appProcess: worker.process.pid, code, signal }, 'an app process stopped: starting another');
      setTimeout(() => { if (!stopping) fork(); }, REPLACE_AFTER_MS);
    });
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, processes: Object.keys(cluster.workers ?? {}).length }, 'stopping the app processes');
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  logger.info({ processes: size }, 'starting app processes one after another');
  fork();
}
