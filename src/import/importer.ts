// NDJSON import (src/import/import.schema.ts): one record a line, each upserted on its own, so a bad line is reported
// with its number and reason while every good line before and after it is kept.
//
// Order matters: a partner must come before its orgs, an org before its users and devices, and a
// user before the devices it owns. A line that refers to a record further down the file fails
// (the store cannot tell "later" from "never"); importing the file again then fixes it, since
// every record is an upsert by its id.
import crypto from 'node:crypto';
import readline from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import { conflict, invalid, isAppError } from '../errors';
import { applyEmailEvent, applySuppression } from '../features/suppression/email-events';
import type { AuditEvent, Device, LifecycleKind, Org, Store, User } from '../store/store';
import { importRecords } from '../metrics/metrics';
import { IMPORT_KINDS, type ImportKind, type ImportRecord, parseImportRecord } from './import.schema';

export interface ImportProgress { lines: number; bytes: number; totalBytes?: number }

export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /** Size of the input when known (a file); passed along with each progress report. */
  totalBytes?: number;
  /**
   * Asked before each valid record is applied, in file order once every earlier line was applied:
   * a reason refuses the line (reported like a bad one), null lets it through. It may read only
   * this store (it runs inside store.bulk). The HTTP import keeps records to the token's partner
   * with it (src/import/partner-scope.ts).
   */
  admit?: (record: ImportRecord, line: number) => Promise<string | null>;
  /**
   * The partner this import is for: a line naming another partner, or an org of another
   * partner, is refused on its own, and deletions reach this partner's records only.
   */
  partnerId?: string;
  /** Validate and count what would change, writing nothing. */
  dryRun?: boolean;
  /** Filled with the ids of the orgs, users and devices the file holds (a full sync's mark phase). */
  seen?: SeenIds;
  /** Who the audit events of deletions name as the actor (the CLI, an integration token). */
  actor?: { id: string | null; role: string | null };
}

/** Ids only, never records: about 100 bytes an id, some 20 MB for 100k users and their devices. */
export type SeenIds = Record<LifecycleKind, Set<string>>;
export const emptySeen = (): SeenIds => ({ org: new Set(), user: new Set(), device: new Set() });

/** What each applied line did: a record new to the store, changed, identical (nothing written), or deleted. */
export type LineOutcome = 'added' | 'updated' | 'unchanged' | 'deleted';
export type OutcomeCounts = Record<LineOutcome, number>;

export interface ImportSummary {
  /** Lines read, blank ones included, so `failed[].line` can be found in the file. */
  lines: number;
  imported: Record<ImportKind, number>;
  failed: Array<{ line: number; reason: string }>;
  /** Valid records of a kind whose feature is not built yet; every record kind of src/import/import.schema.ts is applied today. */
  deferred: Record<ImportKind, number>;
  /** Applied lines by what they did (a dry run: what they would do). */
  outcomes: OutcomeCounts;
}

/**
 * The store itself failed during an import (a full disk, a lost connection): what was saved before
 * and where to resume. Every record is an upsert by id, so importing the same file again is safe.
 */
export class ImportStoppedError extends Error {
  constructor(
    /** The lines done: records saved for good (batches committed) and lines refused on their own. */
    readonly summary: ImportSummary,
    /** Every line before this one is done; from this one on, nothing is guaranteed saved. */
    readonly resumeLine: number,
    /** The line whose write failed. */
    readonly line: number,
    cause: Error,
  ) {
    super(`import stopped at line ${line}: ${cause.message}`, { cause });
    this.name = 'ImportStoppedError';
  }

  /**
   * A full disk (SQLite's SQLITE_FULL, or the system's ENOSPC): freeing space is what helps. The
   * store reports it as an outage naming the code (see sqlite-outage.ts), or SQLite's own error.
   */
  get diskFull(): boolean {
    const cause = this.cause as { code?: unknown; message?: string };
    return cause.code === 'SQLITE_FULL' || cause.code === 'ENOSPC' || /SQLITE_FULL|ENOSPC|disk is full|no space left/i.test(cause.message ?? '');
  }
}

/** Progress is reported every this many lines and once at the end: a callback per line would cost more than the upsert. */
const PROGRESS_EVERY_LINES = 1000;
/** Valid records are written this many at a time in one store.bulk(): a commit per record dominated the import. */
const BATCH_RECORDS = 500;

// A store refusal that names one of these fields is almost always a record further down the file.
const ORDER_HINTS: Record<string, string> = {
  partnerId: 'partners must come before their orgs',
  orgId: 'orgs must come before their users and devices',
  ownerUserId: 'users must come before the devices they own',
};

const zeroCounts = (): Record<ImportKind, number> =>
  Object.fromEntries(IMPORT_KINDS.map((k) => [k, 0])) as Record<ImportKind, number>;

/**
 * Imports NDJSON from a byte stream (a file, stdin) or from already split lines.
 * Never throws for the content of a line; throws only when the store itself fails (then nothing
 * more could be imported anyway): an ImportStoppedError with what was saved and where to resume.
 */
export async function importNdjson(
  store: Store,
  input: NodeJS.ReadableStream | AsyncIterable<string>,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    lines: 0, imported: zeroCounts(), failed: [], deferred: zeroCounts(), outcomes: { added: 0, updated: 0, unchanged: 0, deleted: 0 },
  };
  const ctx: ApplyContext = { store, opts, known: emptyKnown(), dryOrgs: new Map() };
  let bytes = 0;
  const fromStream = isStream(input);
  if (fromStream) {
    // Counting chunks, not lines, keeps the byte count off the per-line path.
    input.on('data', (chunk: Buffer | string) => { bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length; });
  }
  const lines: AsyncIterable<string> = fromStream ? readline.createInterface({ input, crlfDelay: Infinity }) : input;
  const report = () => opts.onProgress?.({ lines: summary.lines, bytes, totalBytes: opts.totalBytes });

  // Lines are read and validated ahead; records are applied in order, a batch at a time. A store
  // failure (not a refused record) undoes its batch and stops the import: importing again resumes.
  let pending: Array<{ lineNo: number; record: ImportRecord }> = [];
  // Counts are added to the summary once their batch is committed: a batch the store undoes saved nothing.
  const flush = async () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const first = batch[0]!.lineNo;
    const stopped = (lineNo: number, err: unknown) => new ImportStoppedError(
      { ...summary, lines: first - 1, failed: summary.failed.filter((f) => f.line < first) }, first, lineNo, err as Error,
    );
    // Counted apart and added once the batch committed: a batch the store undoes saved nothing.
    const imported = zeroCounts();
    const outcomes: OutcomeCounts = { added: 0, updated: 0, unchanged: 0, deleted: 0 };
    const failed: Array<{ line: number; reason: string }> = [];
    const run = async () => {
      // Read inside the unit of work, so no other writer changes a record between the comparison and the write.
      ctx.known = await prefetch(store, batch.map((b) => b.record));
      for (const { lineNo, record } of batch) {
        try {
          const refusal = await opts.admit?.(record, lineNo);
          if (refusal) {
            failed.push({ line: lineNo, reason: refusal });
            continue;
          }
          const outcome = await apply(ctx, record);
          imported[record.kind] += 1;
          outcomes[outcome] += 1;
        } catch (err) {
          // A store that stops answering (a full disk, a lock held too long) is no fault of the
          // line: SQLite may have undone the whole batch already, so going on would count wrongly.
          if (!isAppError(err) || err.code === 'unavailable') throw stopped(lineNo, err);
          const hint = err.details.fields?.map((f) => ORDER_HINTS[f.field]).find(Boolean);
          failed.push({ line: lineNo, reason: hint ? `${err.message} (${hint})` : err.message });
        }
      }
    };
    try {
      // A dry run writes nothing, so it needs no unit of work.
      await (opts.dryRun ? run() : store.bulk(run));
    } catch (err) {
      // The commit itself can fail too (a full disk often shows there).
      throw err instanceof ImportStoppedError ? err : stopped(batch[batch.length - 1]!.lineNo, err);
    }
    for (const k of IMPORT_KINDS) summary.imported[k] += imported[k];
    for (const o of Object.keys(outcomes) as LineOutcome[]) summary.outcomes[o] += outcomes[o];
    summary.failed.push(...failed);
  };

  for await (const raw of lines) {
    const lineNo = ++summary.lines;
    if (!fromStream) bytes += Buffer.byteLength(raw) + 1;
    if (opts.onProgress && lineNo % PROGRESS_EVERY_LINES === 0) report();

    // A UTF-8 byte order mark, as some editors on Windows write, is not part of the first record.
    const line = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === '') continue;

    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      summary.failed.push({ line: lineNo, reason: `invalid JSON: ${(err as Error).message}` });
      continue;
    }
    const parsed = parseImportRecord(value);
    if (!parsed.ok) {
      summary.failed.push({ line: lineNo, reason: parsed.reason });
      continue;
    }
    pending.push({ lineNo, record: parsed.record });
    if (pending.length === BATCH_RECORDS) await flush();
  }
  await flush();
  report();
  const sum = (counts: Record<ImportKind, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  importRecords.inc({ outcome: 'imported' }, sum(summary.imported));
  importRecords.inc({ outcome: 'deferred' }, sum(summary.deferred));
  importRecords.inc({ outcome: 'failed' }, summary.failed.length);
  return summary;
}

/** Stored records of one batch's ids, read in one query per kind before the batch is applied. */
interface Known {
  org: Map<string, Org>;
  user: Map<string, User>;
  device: Map<string, Device>;
}
const emptyKnown = (): Known => ({ org: new Map(), user: new Map(), device: new Map() });

interface ApplyContext {
  store: Store;
  opts: ImportOptions;
  known: Known;
  /** A dry run writes no org, so the orgs its earlier lines would have written are remembered (id → partner). */
  dryOrgs: Map<string, string>;
}

async function prefetch(store: Store, records: ImportRecord[]): Promise<Known> {
  const ids = { org: new Set<string>(), user: new Set<string>(), device: new Set<string>() };
  for (const r of records) {
    if (r.kind === 'org') ids.org.add(r.id);
    else if (r.kind === 'user') { ids.user.add(r.id); ids.org.add(r.orgId); }
    else if (r.kind === 'device') { ids.device.add(r.id); ids.org.add(r.orgId); }
    else if (r.kind === 'delete') ids[r.of].add(r.id);
  }
  const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  return {
    org: byId(await store.orgs.getByIds([...ids.org])),
    user: byId(await store.users.getByIds([...ids.user])),
    device: byId(await store.devices.getByIds([...ids.device])),
  };
}

/** The same refusal the store gives for an org it does not know, so a scoped import tells nothing more. */
const unknownOrg = (orgId: string) => invalid(`orgId: no org with id ${orgId}`, [{ field: 'orgId', message: 'unknown org' }]);

/** The org's partner as this run knows it: stored, or written (or, in a dry run, to be written) by an earlier line. */
function orgPartnerOf(ctx: ApplyContext, orgId: string): string | undefined {
  return ctx.known.org.get(orgId)?.partnerId ?? ctx.dryOrgs.get(orgId);
}

/** A user or device line: its org must be known and, in a scoped import, the partner's. */
function assertOrgInScope(ctx: ApplyContext, orgId: string): void {
  const partnerId = orgPartnerOf(ctx, orgId);
  const scope = ctx.opts.partnerId;
  if (scope !== undefined && partnerId !== undefined && partnerId !== scope) throw unknownOrg(orgId);
  // Outside a dry run the store checks existence itself (and knows orgs written earlier in this batch).
  if (ctx.opts.dryRun && partnerId === undefined) throw unknownOrg(orgId);
}

const outcomeOf = (before: object | undefined, after: object): LineOutcome => {
  if (!before) return 'added';
  return isDeepStrictEqual(before, after) ? 'unchanged' : 'updated';
};

async function apply(ctx: ApplyContext, record: ImportRecord): Promise<LineOutcome> {
  const { store, opts } = ctx;
  const scope = opts.partnerId;
  switch (record.kind) {
    case 'partner': {
      const { kind: _, ...partner } = record;
      if (scope !== undefined && partner.id !== scope) {
        throw invalid(`id: this import is for partner ${scope} only`, [{ field: 'id', message: 'another partner' }]);
      }
      const outcome = outcomeOf(await store.partners.get(partner.id) ?? undefined, partner);
      if (outcome !== 'unchanged' && !opts.dryRun) await store.partners.upsert(partner);
      return outcome;
    }
    case 'org': {
      const { kind: _, ...org } = record;
      if (scope !== undefined && org.partnerId !== scope) {
        throw invalid(`partnerId: this import is for partner ${scope} only`, [{ field: 'partnerId', message: 'another partner' }]);
      }
      const before = ctx.known.org.get(org.id);
      if (before && before.partnerId !== org.partnerId) {
        // An import never moves an org: `helpdesk org transfer` does, with everything that goes with it.
        throw conflict(`partnerId: org ${org.id} belongs to another partner (an org moves only with helpdesk org transfer)`);
      }
      const outcome = outcomeOf(before, org);
      ctx.opts.seen?.org.add(org.id);
      if (opts.dryRun) {
        ctx.dryOrgs.set(org.id, org.partnerId);
        return outcome;
      }
      if (outcome !== 'unchanged') await store.orgs.upsert(org);
      ctx.known.org.set(org.id, org);
      return outcome;
    }
    case 'user': {
      const { kind: _, ...user } = record;
      assertOrgInScope(ctx, user.orgId);
      const before = ctx.known.user.get(user.id);
      const outcome = outcomeOf(before, { ...user, partnerId: before?.partnerId });
      if (outcome !== 'unchanged' && !opts.dryRun) await store.users.upsert(user);
      // A later line of the same batch compares with this one, not with what the batch's prefetch read.
      if (outcome !== 'unchanged') ctx.known.user.set(user.id, { ...user, partnerId: before?.partnerId ?? orgPartnerOf(ctx, user.orgId) ?? '' });
      ctx.opts.seen?.user.add(user.id);
      return outcome;
    }
    case 'device': {
      const { kind: _, ...device } = record;
      assertOrgInScope(ctx, device.orgId);
      const before = ctx.known.device.get(device.id);
      const outcome = outcomeOf(before, { ...device, partnerId: before?.partnerId });
      if (outcome !== 'unchanged' && !opts.dryRun) await store.devices.upsert(device);
      if (outcome !== 'unchanged') ctx.known.device.set(device.id, { ...device, partnerId: before?.partnerId ?? orgPartnerOf(ctx, device.orgId) ?? '' });
      ctx.opts.seen?.device.add(device.id);
      return outcome;
    }
    case 'delete':
      return applyDelete(ctx, record.of, record.id);
    case 'suppression':
    case 'email_event':
      // Mail facts are merged by their own rules (a newer event wins): counted as updates.
      if (opts.dryRun) return 'updated';
      await applyEmailRecord(store, record);
      return 'updated';
  }
}

/**
 * Deletes one record as the source asked; deleting what is not there (or not this partner's) is
 * `unchanged`, so a deletion file can be imported twice. The audit log names what was deleted.
 */
export async function applyDelete(ctx: Pick<ApplyContext, 'store' | 'opts' | 'known'>, of: LifecycleKind, id: string): Promise<LineOutcome> {
  const { store, opts } = ctx;
  ctx.opts.seen?.[of].delete(id);
  const scope = { partnerId: opts.partnerId, at: new Date() };
  if (opts.dryRun) {
    const found = ctx.known[of].get(id);
    return found && (scope.partnerId === undefined || found.partnerId === scope.partnerId) ? 'deleted' : 'unchanged';
  }
  let event: Pick<AuditEvent, 'partnerId' | 'orgId' | 'subject' | 'detail'> | null = null;
  if (of === 'org') {
    const gone = await store.lifecycle.deleteOrg(id, scope);
    if (gone) {
      const { org, ...counts } = gone;
      event = { partnerId: org.partnerId, orgId: org.id, subject: `org:${org.id}`, detail: { name: org.name, ...counts } };
    }
  } else if (of === 'user') {
    const user = await store.lifecycle.deleteUser(id, scope);
    if (user) event = { partnerId: user.partnerId, orgId: user.orgId, subject: `user:${user.id}`, detail: { name: user.displayName, email: user.email } };
  } else {
    const device = await store.lifecycle.deleteDevice(id, scope);
    if (device) event = { partnerId: device.partnerId, orgId: device.orgId, subject: `device:${device.id}`, detail: { name: device.displayName, serial: device.serial } };
  }
  if (!event) return 'unchanged';
  ctx.known[of].delete(id);
  if (of === 'org') {
    // Its members went with it: a later line of this batch must not find them "unchanged".
    for (const map of [ctx.known.user, ctx.known.device]) for (const [k, r] of map) if (r.orgId === id) map.delete(k);
  } else if (of === 'user') {
    for (const [k, d] of ctx.known.device) if (d.ownerUserId === id) ctx.known.device.delete(k);
  }
  await store.audit.append({
    id: crypto.randomUUID(), at: scope.at.toISOString(), actorId: opts.actor?.id ?? null, actorRole: opts.actor?.role ?? 'import',
    action: `${of}.delete`, outcome: 'success', clientIp: null, requestId: null, ...event,
  });
  return 'deleted';
}

/**
 * The one place suppression entries and email events enter the app from a file: the same rules as
 * the mail provider's webhook. An event already imported counts as imported again.
 */
async function applyEmailRecord(
  store: Store,
  record: Extract<ImportRecord, { kind: 'suppression' | 'email_event' }>,
): Promise<void> {
  if (record.kind === 'suppression') {
    const { kind: _, ...entry } = record;
    await applySuppression(store, entry);
  } else {
    const { kind: _, ...event } = record;
    await applyEmailEvent(store, event);
  }
}

function isStream(input: NodeJS.ReadableStream | AsyncIterable<string>): input is NodeJS.ReadableStream {
  return typeof (input as NodeJS.ReadableStream).pipe === 'function';
}
