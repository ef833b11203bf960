// The search index follows the store: every org/user/device write leaves a row in the store's change
// outbox (same transaction), and this worker applies those rows to the index. Applying a change
// re-reads the record from the store, so it is idempotent and order-insensitive: a change seen twice,
// or after a crash, just writes the same document again. A failed index write leaves the cursor where
// it was and is retried with backoff, so the index can fall behind but never stays wrong.
import type { Logger } from 'pino';
import type { Change, Org, Store } from '../store/store';
import { deviceToDoc, orgNamesOf, orgToDoc, storeDocs, userToDoc } from './documents';
import type { IndexWriter, RebuildOptions, RebuildResult, SearchDoc, SearchIndex, SnapshotPosition } from './search-index';

const BATCH = 500;
/** A full rebuild reads the store in larger pages: fewer round trips through the async iterator. */
const SCAN_BATCH = 2000;
const MAX_BACKOFF_MS = 30_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const KEEP_CHANGES_MS = 24 * 60 * 60 * 1000;
/**
 * A missing seq the indexer stepped over is looked for again this long. A store hands out seqs
 * before the write commits (MongoDB: see SETTLE_MS in src/store/changes/mongoose.ts), so a
 * write slower than the store's settle time shows up after the indexer moved past its seq; most
 * gaps are aborted writes that never show up, and are forgotten after this.
 */
export const GAP_RECHECK_MS = 10 * 60 * 1000;
/** Missing seqs re-checked at once; a longer gap (changes pruned under a stale cursor) is only logged. */
const MAX_OPEN_GAPS = 100;

export interface IndexerOptions {
  intervalMs?: number;
  /** How often open gaps are looked for again (default 2 s); 0 on every catch-up. */
  gapRecheckEveryMs?: number;
  /** See SNAPSHOT_EVERY_CHANGES and SNAPSHOT_EVERY_MS; tests lower them. */
  snapshotEveryChanges?: number;
  snapshotEveryMs?: number;
}

/** Gaps in the outbox's sequence the indexer stepped over, since start. */
export interface GapStats {
  /** Missing seqs stepped over. */
  skipped: number;
  /** Of those, changes that appeared later and were applied then. */
  appliedLate: number;
  /** Still looked for. */
  open: number;
  /** Never appeared within GAP_RECHECK_MS (aborted writes), or too many to look for. */
  givenUp: number;
}

/**
 * A restart after a crash (no snapshot at shutdown) replays the outbox from the snapshot on disk:
 * a new one is written in the background once that one is this many changes behind, or this old
 * with any change after it, so the replay stays bounded (see docs/benchmarks.md).
 */
const SNAPSHOT_EVERY_CHANGES = 50_000;
const SNAPSHOT_EVERY_MS = 10 * 60 * 1000;
/** After a failed write (a full disk), the next background attempt waits this long: not one a tick. */
const SNAPSHOT_RETRY_MS = 60_000;
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
  /** Missing seqs stepped over → when; looked for again until GAP_RECHECK_MS has passed. */
  private readonly openGaps = new Map<number, number>();
  private lastGapCheck = 0;
  private readonly gaps = { skipped: 0, appliedLate: 0, givenUp: 0 };
  /** The newest snapshot on disk this process knows of (its own, or found there): what a restart would load. */
  private lastSnapshot: { seq: number; at: number } | null = null;
  private snapshotRetryAt = 0;

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
          this.lastSnapshot = { seq: position.seq, at: Date.parse(position.savedAt) };
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
  async rebuild(): Promise<RebuildResult> {
    await this.saving;
    const result = await this.build();
    await this.saveSnapshot();
    return result;
  }

  private async build(): Promise<RebuildResult> {
    // Read the cursor first: a change made during the scan is applied again afterwards (harmless).
    const startSeq = await this.store.changes.latestSeq();
    // Read after the cursor: a rename after it is applied again, and refreshes the members.
    const names = await orgNamesOf(this.store, SCAN_BATCH);
    // The catch-up below compares with the names the new index is built with; a failed build
    // leaves the old index, so the names as indexed in it come back.
    const before = { names: this.orgNames, resumed: this.resumed };
    this.orgNames = names;
    this.resumed = false;
    // Changes made while the store was read went to the old index (other app processes apply
    // them there and move their cursors on): they are applied to the new one before the swap,
    // and the few made during that catch-up right after it. Applying re-reads the store, so a
    // change applied twice only writes the same document again.
    let caughtUp = startSeq;
    let result: RebuildResult;
    try {
      result = await this.buildAll(names, {
        beforeSwap: async (next) => { caughtUp = await this.applySince(startSeq, next); },
      });
    } catch (err) {
      this.orgNames = before.names;
      this.resumed = before.resumed;
      throw err;
    }
    for (const warning of result.warnings ?? []) this.log.warn(warning);
    this.cursor = Math.max(this.cursor, caughtUp);
    // An in-process index is followed by this process's own loop (catchUp or start), which goes
    // on from the cursor; a shared one is rebuilt by `helpdesk reindex`, which has no such loop.
    if (this.index.durable) await this.catchUp();
    await this.saveCursor();
    return result;
  }

  /** Applies every change after `seq` to `target`; returns the last seq applied (or `seq`). */
  private async applySince(seq: number, target: IndexWriter): Promise<number> {
    for (;;) {
      const changes = await this.store.changes.listAfter(seq, BATCH);
      if (changes.length === 0) return seq;
      await this.apply(changes, target);
      seq = changes[changes.length - 1]!.seq;
    }
  }

  /** A new index of the whole store: from worker threads when the index can, else in this thread. */
  private async buildAll(names: ReadonlyMap<string, string>, options: RebuildOptions): Promise<RebuildResult> {
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
    return this.index.rebuild(storeDocs(this.store, names, SCAN_BATCH), options);
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

  /**
   * Writes the index to its snapshot (an in-process index kept in the data folder), if it has one.
   * `unlessBusy`: not while another process writes it (the periodic snapshot: see snapshotWhenBehind()).
   */
  async saveSnapshot(unlessBusy = false): Promise<void> {
    const snapshots = this.index.snapshots;
    if (!snapshots) return;
    try {
      const seq = this.cursor;
      const [at] = seq > 0 ? await this.store.changes.listAfter(seq - 1, 1) : [];
      const started = Date.now();
      const position = { seq, seqAt: at?.seq === seq ? at.at : null, savedAt: new Date().toISOString() };
      // Nothing is applied to the index until save() is done: catchUp() and rebuild() wait for it.
      const bytes = unlessBusy ? await snapshots.saveUnlessBusy(position) : await snapshots.save(position);
      if (bytes === null) {
        this.log.debug({ seq }, 'search index snapshot: another process is writing it');
        return;
      }
      this.unsaved = false;
      this.lastSnapshot = { seq, at: started };
      this.log.info({ seq, bytes, ms: Date.now() - started }, 'search index snapshot saved');
    } catch (err) {
      this.snapshotRetryAt = Date.now() + SNAPSHOT_RETRY_MS;
      this.log.warn({ err }, 'search index snapshot not saved: the next start loads an older one or rebuilds from the store');
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
    let applied = await this.recheckGaps();
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
      this.noteGaps(changes);
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
        await this.snapshotWhenBehind();
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

  get gapStats(): GapStats {
    return { ...this.gaps, open: this.openGaps.size };
  }

  /** Remembers the seqs this batch steps over (between the cursor and each change), to look for them again. */
  private noteGaps(changes: Change[]): void {
    let expected = this.cursor + 1;
    for (const c of changes) {
      if (c.seq > expected) {
        const from = expected;
        const to = c.seq - 1;
        const count = to - from + 1;
        this.gaps.skipped += count;
        if (this.openGaps.size + count > MAX_OPEN_GAPS) {
          this.gaps.givenUp += count;
          this.log.warn({ from, to, count }, 'search indexer: stepped over a long gap in the change outbox without re-checking it; if records are missing from search, run `helpdesk reindex`');
        } else {
          const now = Date.now();
          for (let seq = from; seq <= to; seq++) this.openGaps.set(seq, now);
          this.log.info({ from, to }, 'search indexer: stepped over a gap in the change outbox; looking for it again in case a slow write commits late');
        }
      }
      expected = c.seq + 1;
    }
  }

  /** Applies changes that appeared in a gap after the cursor passed it; forgets gaps older than GAP_RECHECK_MS. */
  private async recheckGaps(): Promise<number> {
    if (this.openGaps.size === 0) return 0;
    const now = Date.now();
    if (now - this.lastGapCheck < (this.options.gapRecheckEveryMs ?? 2000)) return 0;
    this.lastGapCheck = now;
    const late: Change[] = [];
    for (const [seq, since] of this.openGaps) {
      const [found] = await this.store.changes.listAfter(seq - 1, 1);
      if (found?.seq === seq) late.push(found);
      else if (now - since > GAP_RECHECK_MS) {
        this.openGaps.delete(seq);
        this.gaps.givenUp += 1;
      }
    }
    if (late.length === 0) return 0;
    if (!this.index.durable && late.some((c) => c.entity === 'all')) await this.rebuild();
    else await this.apply(late);
    // Forgotten only once applied: a failed index write leaves them to the next try.
    for (const c of late) this.openGaps.delete(c.seq);
    this.gaps.appliedLate += late.length;
    this.log.warn({ seqs: late.map((c) => c.seq) }, 'search indexer: changes committed after the indexer had stepped over their gap; applied now');
    return late.length;
  }

  /**
   * Starts writing a snapshot in the background when the one on disk is SNAPSHOT_EVERY_CHANGES
   * behind this index, or older than SNAPSHOT_EVERY_MS with changes after it. Searches answer
   * meanwhile; changes wait for the write (see saving). Every process follows the same outbox and
   * would decide so at about the same time: the one on disk is read again first (another process
   * may just have written it), and only one process writes at a time (saveUnlessBusy).
   */
  private async snapshotWhenBehind(): Promise<void> {
    if (!this.index.snapshots || this.saving || !this.unsaved || Date.now() < this.snapshotRetryAt) return;
    const everyChanges = this.options.snapshotEveryChanges ?? SNAPSHOT_EVERY_CHANGES;
    const everyMs = this.options.snapshotEveryMs ?? SNAPSHOT_EVERY_MS;
    const due = () => {
      const last = this.lastSnapshot;
      if (!last) return true;
      return this.cursor - last.seq >= everyChanges || (this.cursor > last.seq && Date.now() - last.at >= everyMs);
    };
    if (!due()) return;
    const onDisk = await this.index.snapshots.saved();
    if (onDisk && onDisk.seq > (this.lastSnapshot?.seq ?? -1)) this.lastSnapshot = { seq: onDisk.seq, at: Date.parse(onDisk.savedAt) };
    if (!due()) return;
    this.saving = this.saveSnapshot(true).finally(() => { this.saving = null; });
  }

  private async pruneOccasionally(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await this.store.changes.prune(new Date(now - KEEP_CHANGES_MS));
  }

  private async apply(changes: Change[], target: IndexWriter = this.index): Promise<void> {
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
    if (docs.length) await target.upsert(docs);
    if (gone.length) await target.remove(gone);
    for (const org of renamed) await this.reindexMembers(org, target);
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

  private async reindexMembers(org: Org, target: IndexWriter): Promise<void> {
    for (let offset = 0; ; offset += BATCH) {
      const users = await this.store.users.listByOrg(org.partnerId, org.id, { limit: BATCH, offset });
      if (users.length) await target.upsert(users.map((u) => userToDoc(u, org.name)));
      if (users.length < BATCH) break;
    }
    for (let offset = 0; ; offset += BATCH) {
      const devices = await this.store.devices.listByOrg(org.partnerId, org.id, { limit: BATCH, offset });
      if (devices.length) await target.upsert(devices.map((d) => deviceToDoc(d, org.name)));
      if (devices.length < BATCH) break;
    }
  }
}
