// NDJSON import (spec 4.3): one record a line, each upserted on its own, so a bad line is reported
// with its number and reason while every good line before and after it is kept.
//
// Order matters: a partner must come before its orgs, an org before its users and devices, and a
// user before the devices it owns. A line that refers to a record further down the file fails
// (the store cannot tell "later" from "never"); importing the file again then fixes it, since
// every record is an upsert by its id.
import readline from 'node:readline';
import { isAppError } from '../errors';
import { applyEmailEvent, applySuppression } from '../features/suppression/email-events';
import type { Store } from '../store/store';
import { importRecords } from '../metrics/metrics';
import { IMPORT_KINDS, type ImportKind, type ImportRecord, parseImportRecord } from './import.schema';

export interface ImportProgress { lines: number; bytes: number; totalBytes?: number }

export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /** Size of the input when known (a file); passed along with each progress report. */
  totalBytes?: number;
}

export interface ImportSummary {
  /** Lines read, blank ones included, so `failed[].line` can be found in the file. */
  lines: number;
  imported: Record<ImportKind, number>;
  failed: Array<{ line: number; reason: string }>;
  /** Valid records of a kind whose feature is not built yet; every kind of spec 4.3 is applied today. */
  deferred: Record<ImportKind, number>;
}

/** Progress is reported every this many lines and once at the end: a callback per line would cost more than the upsert. */
const PROGRESS_EVERY_LINES = 1000;
/** Valid records are written this many at a time in one store.batch(): a commit per record dominated the import. */
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
 * more could be imported anyway), naming the line it was on.
 */
export async function importNdjson(
  store: Store,
  input: NodeJS.ReadableStream | AsyncIterable<string>,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const summary: ImportSummary = { lines: 0, imported: zeroCounts(), failed: [], deferred: zeroCounts() };
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
  const flush = async () => {
    const batch = pending;
    pending = [];
    await store.batch(async () => {
      for (const { lineNo, record } of batch) {
        try {
          const applied = await apply(store, record);
          summary[applied][record.kind] += 1;
        } catch (err) {
          if (!isAppError(err)) throw new Error(`import stopped at line ${lineNo}: ${(err as Error).message}`, { cause: err });
          const hint = err.details.fields?.map((f) => ORDER_HINTS[f.field]).find(Boolean);
          summary.failed.push({ line: lineNo, reason: hint ? `${err.message} (${hint})` : err.message });
        }
      }
    });
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

async function apply(store: Store, record: ImportRecord): Promise<'imported' | 'deferred'> {
  switch (record.kind) {
    case 'partner': {
      const { kind: _, ...partner } = record;
      await store.partners.upsert(partner);
      return 'imported';
    }
    case 'org': {
      const { kind: _, ...org } = record;
      await store.orgs.upsert(org);
      return 'imported';
    }
    case 'user': {
      const { kind: _, ...user } = record;
      await store.users.upsert(user);
      return 'imported';
    }
    case 'device': {
      const { kind: _, ...device } = record;
      await store.devices.upsert(device);
      return 'imported';
    }
    case 'suppression':
    case 'email_event':
      return applyEmailRecord(store, record);
  }
}

/**
 * The one place suppression entries and email events enter the app from a file: the same rules as
 * the mail provider's webhook (spec 3.4). An event already imported counts as imported again.
 */
async function applyEmailRecord(
  store: Store,
  record: Extract<ImportRecord, { kind: 'suppression' | 'email_event' }>,
): Promise<'imported'> {
  if (record.kind === 'suppression') {
    const { kind: _, ...entry } = record;
    await applySuppression(store, entry);
  } else {
    const { kind: _, ...event } = record;
    await applyEmailEvent(store, event);
  }
  return 'imported';
}

function isStream(input: NodeJS.ReadableStream | AsyncIterable<string>): input is NodeJS.ReadableStream {
  return typeof (input as NodeJS.ReadableStream).pipe === 'function';
}
