// The search index follows the store: every org/user/device write leaves a row in the store's change
// outbox (same transaction), and this worker applies those rows to the index. Applying a change
// re-reads the record from the store, so it is idempotent and order-insensitive: a change seen twice,
// or after a crash, just writes the same document again. A failed index write leaves the cursor where
// it was and is retried with backoff, so the index can fall behind but never stays wrong.
import type { Logger } from 'pino';
import type { Change, Org, Store } from '../store/store';
import { deviceToDoc, orgNamesOf, orgToDoc, storeDocs, userToDoc } from './documents';
import type { SearchDoc, SearchIndex, SnapshotPosition } from './search-index';

const BATCH = 500;
/** A full rebuild reads the store in larger pages: fewer round trips through the async iterator. */
const SCAN_BATCH = 2000;
const MAX_BACKOFF_MS = 30_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const KEEP_CHANGES_MS = 24 * 60 * 60 * 1000;

export interface IndexerOptions {
  intervalMs?: number;
}

/** How far this process's index is behind the store's change outbox. */
export interface IndexLag {
  /** Changes in the outbox not applied yet. */
  changes: number;
  /** Age of the oldest of them (0 when none): how stale a search answer can be right now. */
  seconds: number;
}

/** A catch-up that started on changes older than this is logged at info (else at debug). */
const LAG_WORTH_LOGGING_MS = 2_000;

export class Indexer {
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private failures = 0;
  private lastPrune = 0;
  /** Org names as last indexed: users and devices show their org's name, so a rename reindexes them. */
  private orgNames = new Map<string, string>();
  /** Started from a snapshot or a durable index: names as indexed are unknown (see apply()). */
  private resumed = false;
  /** Changes applied since the last snapshot. */
  private unsaved = false;
  /** A snapshot being written: the index is written from its own arrays, so no change is applied meanwhile. */
  private saving: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly index: SearchIndex,
    private readonly log: Logger,
    private readonly options: IndexerOptions = {},
  ) {}

  /** The cursor's name in the store: one per durable index, shared by every app process. */
  private get consumer(): string {
    return `search-index:${this.index.name}`;
  }

  /**
   * At start: a durable index (Meilisearch) resumes from the saved cursor and catches up, so a
   * restart costs seconds, not a reindex; so does an in-process index with a usable snapshot.
   * Otherwise (a durable index never built, no snapshot) the index is built from the store, and
   * the snapshot written in the background: searches need not wait for a gigabyte to reach the
   * disk, changes do (see snapshotWritten()).
   */
  async open(): Promise<{ rebuilt: boolean; count: number }> {
    if (this.index.durable) {
      const saved = await this.store.changes.getCursor(this.consumer);
      if (saved !== null && (await this.index.count()) > 0) {
        this.cursor = saved;
        this.resumed = true;
        this.orgNames = await this.namesAsIndexed(saved);
        await this.catchUp();
        return { rebuilt: false, count: await this.index.count() };
      }
    }
    if (this.index.snapshots) {
      try {
        const position = await this.index.snapshots.load((p) => this.snapshotUsable(p));
        if (position) {
          this.cursor = position.seq;
          this.resumed = true;
          this.orgNames = await this.namesAsIndexed(position.seq);
          const applied = await this.catchUp();
          this.log.info({ seq: position.seq, savedAt: position.savedAt, applied }, 'search index loaded from its snapshot');
          return { rebuilt: false, count: await this.index.count() };
        }
      } catch (err) {
        this.log.warn({ err }, 'search index snapshot unreadable: rebuilding from the store');
      }
    }
    const { count } = await this.build();
    this.saving = this.saveSnapshot().finally(() => { this.saving = null; });
    return { rebuilt: true, count };
  }

  /**
   * The org names a resumed index shows: every org's name in the store now, except the orgs changed
   * after `seq` (the index may show an older name: one of them applied later refreshes its members).
   * Read before the changes are listed, so a rename in between is listed. Without it, every org
   * first seen after a restart counted as renamed and all its members were indexed again: under an
   * import, a process started from a snapshot fell seconds behind the one that built the index.
   */
  private async namesAsIndexed(seq: number): Promise<Map<string, string>> {
    const names = await orgNamesOf(this.store, SCAN_BATCH);
    for (let after = seq; ;) {
      const changes = await this.store.changes.listAfter(after, SCAN_BATCH);
      if (changes.length === 0) return names;
      for (const c of changes) if (c.entity === 'org') names.delete(c.id);
      after = changes[changes.length - 1]!.seq;
    }
  }

  /** Resolves once a snapshot being written in the background is on disk (or failed, which is logged). */
  async snapshotWritten(): Promise<void> {
    await this.saving;
  }

  /** Builds a fresh index from the whole store, swaps it in and writes its snapshot; then follows changes from there. */
  async rebuild(): Promise<{ count: number }> {
    await this.saving;
    const result = await this.build();
    await this.saveSnapshot();
    return result;
  }

  private async build(): Promise<{ count: number }> {
    // Read the cursor first: a change made during the scan is applied again afterwards (harmless).
    const startSeq = await this.store.changes.latestSeq();
    // Read after the cursor: a rename after it is applied again, and refreshes the members.
    const names = await orgNamesOf(this.store, SCAN_BATCH);
    const result = await this.buildAll(names);
    this.orgNames = names;
    this.resumed = false;
    this.cursor = Math.max(this.cursor, startSeq);
    await this.saveCursor();
    return result;
  }

  /** A new index of the whole store: from worker threads when the index can, else in this thread. */
  private async buildAll(names: ReadonlyMap<string, string>): Promise<{ count: number }> {
    if (this.index.rebuildFromStore) {
      const started = Date.now();
      try {
        const result = await this.index.rebuildFromStore(names);
        this.log.info({ count: result.count, ms: Date.now() - started }, 'search index built in worker threads');
        return result;
      } catch (err) {
        this.log.warn({ err }, 'search index: building in worker threads failed, building in this thread');
      }
    }
    return this.index.rebuild(storeDocs(this.store, names, SCAN_BATCH));
  }

  /**
   * A snapshot is used only when every change after it is still in the outbox, and it was taken of
   * this store: younger than the outbox keeps changes (an hour to spare), its position not ahead
   * of the store, and the change at its position still the one it saw.
   */
  private async snapshotUsable(p: SnapshotPosition): Promise<boolean> {
    if (!(Date.now() - Date.parse(p.savedAt) < KEEP_CHANGES_MS - 60 * 60 * 1000)) return false;
    if (p.seq > (await this.store.changes.latestSeq())) return false;
    const [first] = await this.store.changes.listAfter(Math.max(0, p.seq - 1), 1);
    if (p.seq === 0) return first === undefined || first.seq === 1;
    return first !== undefined && first.seq === p.seq && first.at === p.seqAt;
  }

  /** Writes the index to its snapshot (an in-process index kept in the data folder), if it has one. */
  async saveSnapshot(): Promise<void> {
    const snapshots = this.index.snapshots;
    if (!snapshots) return;
    try {
      const seq = this.cursor;
      const [at] = seq > 0 ? await this.store.changes.listAfter(seq - 1, 1) : [];
      const started = Date.now();
      // Nothing is applied to the index until save() is done: catchUp() and rebuild() wait for it.
      const bytes = await snapshots.save({ seq, seqAt: at?.seq === seq ? at.at : null, savedAt: new Date().toISOString() });
      this.unsaved = false;
      this.log.info({ seq, bytes, ms: Date.now() - started }, 'search index snapshot saved');
    } catch (err) {
      this.log.warn({ err }, 'search index snapshot not saved: the next start rebuilds from the store');
    }
  }

  private async saveCursor(): Promise<void> {
    if (this.index.durable) await this.store.changes.saveCursor(this.consumer, this.cursor);
  }

  /** How far behind the outbox this process's index is now (for logs and metrics). */
  async lag(): Promise<IndexLag> {
    const latest = await this.store.changes.latestSeq();
    if (latest <= this.cursor) return { changes: 0, seconds: 0 };
    const [oldest] = await this.store.changes.listAfter(this.cursor, 1);
    const seconds = oldest ? Math.max(0, (Date.now() - Date.parse(oldest.at)) / 1000) : 0;
    return { changes: latest - this.cursor, seconds };
  }

  /** Applies every change not applied yet; returns how many were applied. */
  async catchUp(): Promise<number> {
    await this.saving;
    let applied = 0;
    let behindMs = 0;
    const started = Date.now();
    for (;;) {
      const changes = await this.store.changes.listAfter(this.cursor, BATCH);
      if (changes.length === 0) {
        if (applied) {
          // How stale the index was: the oldest change applied in this catch-up, when it was reached.
          const fields = { applied, behindMs, ms: Date.now() - started };
          if (behindMs >= LAG_WORTH_LOGGING_MS) this.log.info(fields, 'search index caught up with the outbox');
          else this.log.debug(fields, 'search index caught up with the outbox');
        }
        return applied;
      }
      behindMs = Math.max(behindMs, Date.now() - Date.parse(changes[0]!.at));
      const last = changes[changes.length - 1].seq;
      // A durable index is rebuilt by `helpdesk reindex` itself (one swap, not one per app process).
      if (!this.index.durable && changes.some((c) => c.entity === 'all')) {
        // A full rebuild covers every change up to now, including the rest of this batch.
        await this.rebuild();
        this.cursor = Math.max(this.cursor, last);
      } else {
        await this.apply(changes);
        this.cursor = last;
      }
      await this.saveCursor();
      applied += changes.length;
    }
  }

  /** Polls the outbox; changes written by any process (the CLI's import too) reach the index within seconds. */
  start(): void {
    const interval = this.options.intervalMs ?? 500;
    const tick = async () => {
      try {
        await this.catchUp();
        this.failures = 0;
        await this.pruneOccasionally();
      } catch (err) {
        this.failures += 1;
        this.log.warn({ err, failures: this.failures }, 'search indexer: applying changes failed, will retry');
      }
      if (this.timer === null) return;
      const delay = this.failures ? Math.min(MAX_BACKOFF_MS, interval * 2 ** this.failures) : interval;
      this.timer = setTimeout(() => { this.running = tick(); }, delay);
    };
    this.timer = setTimeout(() => { this.running = tick(); }, interval);
  }

  /** Stops following the outbox; a snapshot behind the index is brought up to date for the next start. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.saving;
    if (this.unsaved) await this.saveSnapshot();
  }

  get position(): number {
    return this.cursor;
  }

  private async pruneOccasionally(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await this.store.changes.prune(new Date(now - KEEP_CHANGES_MS));
  }

  private async apply(changes: Change[]): Promise<void> {
    const ids = { org: new Set<string>(), user: new Set<string>(), device: new Set<string>() };
    for (const c of changes) if (c.entity !== 'all') ids[c.entity].add(c.id);

    const orgs = await this.store.orgs.getByIds([...ids.org]);
    const docs: SearchDoc[] = orgs.map(orgToDoc);
    const renamed = orgs.filter((org) => {
      const before = this.orgNames.get(org.id);
      // An index resumed after a restart knows no names as indexed: an org change may be
      // a rename, so its members are refreshed (a new org has none, so that costs nothing).
      return before === undefined ? this.resumed : before !== org.name;
    });

    const users = await this.store.users.getByIds([...ids.user]);
    const devices = await this.store.devices.getByIds([...ids.device]);
    const nameOf = await this.orgNamesFor([...users, ...devices].map((r) => r.orgId), orgs);
    docs.push(...users.map((u) => userToDoc(u, nameOf(u.orgId))));
    docs.push(...devices.map((d) => deviceToDoc(d, nameOf(d.orgId))));

    const found = new Set(docs.map((d) => d.id));
    const gone = [...ids.org, ...ids.user, ...ids.device].filter((id) => !found.has(id));
    if (docs.length || gone.length) this.unsaved = true;
    if (docs.length) await this.index.upsert(docs);
    if (gone.length) await this.index.remove(gone);
    for (const org of renamed) await this.reindexMembers(org);
    // Only once the index has the new names: after a failed write, the retry must see the rename
    // again, or the members would keep the old name until the next rebuild.
    for (const org of orgs) this.orgNames.set(org.id, org.name);
  }

  /** Names of the orgs of this batch's changes as they are now, others as last indexed or read. */
  private async orgNamesFor(orgIds: string[], changed: Org[]): Promise<(orgId: string) => string> {
    const current = new Map(changed.map((o) => [o.id, o.name]));
    const missing = [...new Set(orgIds)].filter((id) => !current.has(id) && !this.orgNames.has(id));
    for (const org of await this.store.orgs.getByIds(missing)) this.orgNames.set(org.id, org.name);
    return (orgId) => current.get(orgId) ?? this.orgNames.get(orgId) ?? '';
  }

  private async reindexMembers(org: Org): Promise<void> {
    for (let offset = 0; ; offset += BATCH) {
      const users = await this.store.users.listByOrg(org.partnerId, org.id, { limit: BATCH, offset });
      if (users.length) await this.index.upsert(users.map((u) => userToDoc(u, org.name)));
      if (users.length < BATCH) break;
    }
    for (let offset = 0; ; offset += BATCH) {
      const devices = await this.store.devices.listByOrg(org.partnerId, org.id, { limit: BATCH, offset });
      if (devices.length) await this.index.upsert(devices.map((d) => deviceToDoc(d, org.name)));
      if (devices.length < BATCH) break;
    }
  }
}
