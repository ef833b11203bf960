// WEB_CONCURRENCY > 1: this process is the primary of that many app processes sharing the port
// (node:cluster), so that the app uses more than one core. They start one after another: the first
// loads the demo data of an empty folder and builds the search index; each next one starts once the
// one before is ready (listening, its index snapshot written), so it loads that snapshot instead of
// building the index again. A process that dies is replaced. SIGTERM and SIGINT are passed on as
// messages (a signal sent to the whole process group must count once in each process, not twice);
// each process drains its own requests, and the primary exits once every one has stopped. A second
// signal to the primary makes every process exit at once.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { serveGroupMetrics } from './metrics/group-metrics';

/** Sent by an app process to the primary once it listens and its index snapshot is on disk. */
export const READY_MESSAGE = 'app-process-ready';

/** From the primary: drain and stop, as on that signal. */
const STOP_MESSAGE = 'app-process-stop';
/** From the primary, after a second signal: exit at once. */
const STOP_NOW_MESSAGE = 'app-process-stop-now';

const REPLACE_AFTER_MS = 1_000;

/** In an app process of a group: tells the primary this one is ready. Elsewhere it does nothing. */
export function announceReady(): void {
  if (cluster.isWorker) process.send?.({ type: READY_MESSAGE });
}

/** In an app process of a group: what to do when the primary says stop. Elsewhere it does nothing. */
export function onGroupStop(handlers: { drain(signal: NodeJS.Signals): void; now(signal: NodeJS.Signals): void }): void {
  if (!cluster.isWorker) return;
  process.on('message', (message: { type?: string; signal?: NodeJS.Signals }) => {
    if (message?.type === STOP_MESSAGE) handlers.drain(message.signal ?? 'SIGTERM');
    if (message?.type === STOP_NOW_MESSAGE) handlers.now(message.signal ?? 'SIGTERM');
  });
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

  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals += 1;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (stopping && signals > 1) {
      logger.warn({ signal, processes: workers.length }, 'second signal: the app processes exit at once');
      for (const worker of workers) tell(worker, STOP_NOW_MESSAGE, signal, 'SIGKILL');
      return;
    }
    if (stopping) return;
    stopping = true;
    logger.info({ signal, processes: workers.length }, 'stopping the app processes');
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) tell(worker, STOP_MESSAGE, signal, signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  /** A message to an app process; a signal instead if its channel is gone. */
  const tell = (worker: Worker, type: string, signal: NodeJS.Signals, otherwise: NodeJS.Signals) => {
    if (!worker.isConnected()) {
      worker.process.kill(otherwise);
      return;
    }
    worker.send({ type, signal }, (err: Error | null) => { if (err) worker.process.kill(otherwise); });
  };

  logger.info({ processes: size }, 'starting app processes one after another');
  fork();
}
