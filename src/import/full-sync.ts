// Full sync (docs/data-lifecycle.md): the file is the partner's whole state. Its lines are applied as
// an import scoped to the partner (mark: the ids it holds are kept, ids only), then the partner's
// orgs, users and devices it did not hold are deleted (sweep). Nothing is deleted before every line
// was read and applied, and nothing at all when a line failed: a bad or cut file, or a run killed
// before the sweep, deletes nothing. A record added by another writer during the run is not in the
// file either; that is the meaning of "the file is the whole state".
import crypto from 'node:crypto';
import type { LifecycleKind, Store } from '../store/store';
import { applyDelete, emptySeen, importNdjson, type ImportOptions, type ImportSummary } from './importer';

/** A sync that would delete more than this share of the partner's records needs allowMassDelete. */
export const MASS_DELETE_SHARE = 0.2;
/** Deletions per unit of work: a long write transaction would keep the app's own writes waiting. */
const SWEEP_BATCH = 500;
const ID_PAGE = 5000;

export interface FullSyncOptions extends Omit<ImportOptions, 'partnerId' | 'seen'> {
  partnerId: string;
  allowMassDelete?: boolean;
  onSweepProgress?: (done: number, total: number) => void;
}

export interface FullSyncSummary extends ImportSummary {
  /** The partner's orgs, users and devices before the run. */
  before: number;
  /** Records the file did not hold, by kind: deleted, or in a dry run or a refused sync, to be deleted. */
  unlisted: Record<LifecycleKind, number>;
  /** Why the sweep deleted nothing, or null when it ran. */
  refused: null | 'failed_lines' | 'mass_delete';
}

const SWEEP_ORDER: LifecycleKind[] = ['device', 'user', 'org'];

export async function fullSync(
  store: Store,
  input: NodeJS.ReadableStream | AsyncIterable<string>,
  opts: FullSyncOptions,
): Promise<FullSyncSummary> {
  const { partnerId } = opts;
  const before = (await store.orgs.count(partnerId)) + (await store.users.count(partnerId)) + (await store.devices.count(partnerId));
  const seen = emptySeen();
  const summary = await importNdjson(store, input, { ...opts, partnerId, seen });
  const unlisted = { org: 0, user: 0, device: 0 };
  const result = (refused: FullSyncSummary['refused']): FullSyncSummary => ({ ...summary, before, unlisted, refused });
  if (summary.failed.length > 0) return result('failed_lines');

  // Only the unlisted ids are kept, and at most the partner's record count of them.
  const doomed: Record<LifecycleKind, string[]> = { org: [], user: [], device: [] };
  for (const kind of SWEEP_ORDER) {
    for await (const ids of store.lifecycle.ids(kind, partnerId, ID_PAGE)) {
      for (const id of ids) if (!seen[kind].has(id)) doomed[kind].push(id);
    }
    seen[kind].clear();
    unlisted[kind] = doomed[kind].length;
  }
  const total = unlisted.org + unlisted.user + unlisted.device;
  if (total > MASS_DELETE_SHARE * before && !opts.allowMassDelete) return result('mass_delete');
  if (opts.dryRun) {
    summary.outcomes.deleted += total;
    return result(null);
  }

  // Devices and users first, then orgs, so each record's own deletion is audited by name.
  const ctx = { store, opts: { partnerId, actor: opts.actor }, known: { org: new Map(), user: new Map(), device: new Map() } };
  const queue = SWEEP_ORDER.flatMap((kind) => doomed[kind].map((id) => ({ kind, id })));
  let done = 0;
  for (let i = 0; i < queue.length; i += SWEEP_BATCH) {
    await store.bulk(async () => {
      for (const { kind, id } of queue.slice(i, i + SWEEP_BATCH)) {
        if ((await applyDelete(ctx, kind, id)) === 'deleted') summary.outcomes.deleted += 1;
      }
    });
    done = Math.min(queue.length, i + SWEEP_BATCH);
    opts.onSweepProgress?.(done, queue.length);
  }
  await store.audit.append({
    id: crypto.randomUUID(), at: new Date().toISOString(), actorId: opts.actor?.id ?? null, actorRole: opts.actor?.role ?? 'import',
    partnerId, orgId: null, subject: `partner:${partnerId}`, action: 'import.full_sync', outcome: 'success', clientIp: null, requestId: null,
    detail: { lines: summary.lines, ...summary.outcomes, unlisted },
  });
  return result(null);
}
