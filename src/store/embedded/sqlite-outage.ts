// What "the store is down" means for the embedded store. A SQLite file on a local disk has no
// connection to lose; it stops answering when another process holds the write lock past
// busy_timeout (a stuck import, a backup tool), when the disk is full or the volume fails. Those
// are outages, not bad requests: they become AppError 'unavailable' (503 with Retry-After), and
// since the handle stays open the next statement after the fault clears succeeds: no restart.
import { AppError, STORE_RETRY_AFTER_S, unavailable } from '../../errors';

/** Result codes (primary and extended) that say the database cannot be used right now. */
const OUTAGE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL)/;

export function sqliteOutage(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && OUTAGE.test(code)) {
    return unavailable(`The database is not answering (${code}). Try again in a moment.`, STORE_RETRY_AFTER_S);
  }
  return err;
}

/**
 * Wraps every method of every repo of `store` (its own plain-object properties) so that an outage
 * rejects with the AppError. Done once on the built store rather than in each of its many methods.
 */
export function translateOutages(store: object): void {
  for (const repo of Object.values(store)) {
    if (repo === null || typeof repo !== 'object' || Object.getPrototypeOf(repo) !== Object.prototype) continue;
    const methods = repo as Record<string, unknown>;
    for (const [name, fn] of Object.entries(methods)) {
      if (typeof fn !== 'function') continue;
      methods[name] = function translated(this: unknown, ...args: unknown[]) {
        let result: unknown;
        try {
          result = fn.apply(this, args);
        } catch (err) {
          throw sqliteOutage(err);
        }
        return result instanceof Promise ? result.catch((err: unknown) => { throw sqliteOutage(err); }) : result;
      };
    }
  }
}
