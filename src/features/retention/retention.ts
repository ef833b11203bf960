// Retention: the app deletes personal data once it no longer serves (the help desk mirrors its
// source, it is not an archive). Every app process runs the job on an hourly timer, as it runs
// the grant reminders; the deletes are conditional and idempotent, so overlapping runs are safe.
//
// The change outbox (the `changes` rows that feed the search index) is not pruned here: every
// process's indexer prunes it already (src/search-index/indexer.ts), keeping the 24 hours that
// an index snapshot needs to catch up from its position.
import { every, type BackgroundJob } from '../../background-job';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import type { RetentionCounts, Store } from '../../store/store';

const DAY = 24 * 60 * 60 * 1000;
/** A verification is evidence for the call it was sent in; a month later it serves no one. */
export const VERIFICATION_RETENTION_DAYS = 30;
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
/** The first run after start-up waits this long, so a fleet restarting together does not purge at once. */
const FIRST_RUN_MS = 60 * 1000;

export interface RetentionDeps { store: Store; clock: Clock; auditRetentionDays: number; logger?: Logger }

/** One run: deletes what has outlived its use at the clock's now, and says how many of each. */
export function createRetention(deps: RetentionDeps): () => Promise<RetentionCounts> {
  return async () => {
    const now = deps.clock.now();
    const counts = await deps.store.retention.purge({
      now,
      verificationsBefore: new Date(now.getTime() - VERIFICATION_RETENTION_DAYS * DAY),
      auditBefore: new Date(now.getTime() - deps.auditRetentionDays * DAY),
    });
    if (Object.values(counts).some((n) => n > 0)) deps.logger?.info({ deleted: counts }, 'retention: deleted what outlived its use');
    return counts;
  };
}

/** Runs the job every hour (first a minute after start); stop() ends it and waits for a run in progress. */
export function startRetention(deps: RetentionDeps): BackgroundJob {
  const run = createRetention(deps);
  return every(RETENTION_INTERVAL_MS, run, (err) => deps.logger?.error({ err }, 'retention failed'), FIRST_RUN_MS);
}
