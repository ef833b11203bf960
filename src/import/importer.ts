// NDJSON import (spec 4.3): one record a line, each upserted on its own, so a bad line is reported
// with its number and reason while every good line before and after it is kept.
//
// Order matters: a partner must come before its orgs, an org before its users and devices, and a
// user before the devices it owns. A line that refers to a record further down the file fails
// (the store cannot tell "later" from "never"); importing the file again then fixes it, since
// every record is an upsert by its id.
import readline from 'node:readline';
import { isAppError } from '../errors';
import type { Store } from '../store/store';
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
  /** Valid records of kinds not applied yet (see applyEmailRecord). */
  deferred: Record<ImportKind, number>;
}

/** Progress is reported every this many lines and once at the end: a callback per line would cost more than the upsert. */
const PROGRESS_EVERY_LINES = 1000;

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
    try {
      const applied = await apply(store, parsed.record);
      summary[applied][parsed.record.kind] += 1;
    } catch (err) {
      if (!isAppError(err)) throw new Error(`import stopped at line ${lineNo}: ${(err as Error).message}`, { cause: err });
      const hint = err.details.fields?.map((f) => ORDER_HINTS[f.field]).find(Boolean);
      summary.failed.push({ line: lineNo, reason: hint ? `${err.message} (${hint})` : err.message });
    }
  }
  report();
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
      return applyEmailRecord(record);
  }
}

/**
 * The one place suppression entries and email events enter the app. They are validated already;
 * until the suppression list exists (spec 3.4) they are counted as deferred, so an import of a
 * full export reports them instead of silently dropping them.
 */
async function applyEmailRecord(_record: Extract<ImportRecord, { kind: 'suppression' | 'email_event' }>): Promise<'deferred'> {
  return 'deferred';
}

function isStream(input: NodeJS.ReadableStream | AsyncIterable<string>): input is NodeJS.ReadableStream {
  return typeof (input as NodeJS.ReadableStream).pipe === 'function';
}
