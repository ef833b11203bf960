// The SearchIndex port on Meilisearch, through the official client. What is stored and how a search
// is ranked lives in meilisearch-settings.ts; this file talks to the server: tasks awaited and their
// final status checked, writes batched, rebuilds into a fresh index swapped in with swapIndexes, and
// every client error turned into a 503 AppError that names Meilisearch and never the API key.
import { performance } from 'node:perf_hooks';
import {
  Meilisearch, MeilisearchApiError, MeilisearchError, MeilisearchRequestError, MeilisearchRequestTimeOutError,
  type EnqueuedTaskPromise, type MultiSearchQuery, type Task,
} from 'meilisearch';
import { unavailable } from '../../errors';
import {
  DEFAULT_LIMIT, type RebuildOptions, type RebuildResult, type SearchDoc, type SearchIndex, type SearchQuery, type SearchResult,
} from '../search-index';
import {
  MEILI_SETTINGS, clampLimit, exactDocs, meiliId, mergeHits, planSearch, textAmongOrgs, toMeiliDocument,
  type MeiliDocument, type StoredHit,
} from './meilisearch-settings';

export interface MeilisearchOptions {
  host: string;
  apiKey?: string;
  indexUid?: string;
  /** Per HTTP request: a search engine that is down must not hold a page for long. */
  timeoutMs?: number;
  /** Told what an operator should change but that does not stop the app (e.g. a key that can do too much). */
  onWarning?: (message: string) => void;
}

/** The oldest Meilisearch whose settings API accepts RANKING_RULES (the `attributeRank` rule came in 1.36). */
export const MIN_MEILISEARCH_VERSION: readonly [number, number] = [1, 36];

/** Meilisearch answers but cannot serve this app as it is: start-up stops with this one line. */
export class MeilisearchIncompatibleError extends Error {
  override name = 'MeilisearchIncompatibleError';
}

/**
 * Why a Meilisearch reporting `pkgVersion` (GET /version) cannot serve this app, or null when it can.
 * Before 1.36 the settings this app applies are refused (unknown ranking rule `attributeRank`).
 */
export function versionProblem(pkgVersion: string, host: string): string | null {
  const m = /^v?(\d+)\.(\d+)\./.exec(pkgVersion.trim());
  const [major, minor] = MIN_MEILISEARCH_VERSION;
  const need = `${major}.${minor}`;
  if (!m) return `Meilisearch at ${host} reports version "${pkgVersion}", which is not a version number; this app needs Meilisearch ${need} or later: run getmeili/meilisearch:v${need} or newer, or unset MEILI_HOST to use the embedded search engine.`;
  const [got, gotMinor] = [Number(m[1]), Number(m[2])];
  if (got > major || (got === major && gotMinor >= minor)) return null;
  return `Meilisearch at ${host} is version ${pkgVersion}; this app needs ${need} or later (for the attributeRank ranking rule): upgrade it (e.g. getmeili/meilisearch:v${need}), or unset MEILI_HOST to use the embedded search engine.`;
}

/** Payloads stay far below Meilisearch's default 100 MB request limit, and each task stays short. */
const MAX_BATCH_DOCS = 10_000;
const MAX_BATCH_BYTES = 20 * 1024 * 1024;
/**
 * Per HTTP request of writes and index management: uploading a 20 MB batch takes longer than a
 * search may. Searches and health checks keep the short timeout.
 */
const WRITE_REQUEST_TIMEOUT_MS = 30_000;
/** How long a write waits for its task: indexing can queue behind other tasks. */
const WRITE_WAIT_MS = 60_000;
/** Creating an index, changing settings, filling a new index or swapping can take minutes on a large index. */
const BUILD_WAIT_MS = 15 * 60_000;
/** Polling a task: soon at first (most take milliseconds), then at most twice a second. */
const TASK_POLL_MS = 25;
const MAX_TASK_POLL_MS = 500;

type Change = { upsert: SearchDoc[] } | { remove: string[] };

export class MeilisearchSearchIndex implements SearchIndex {
  readonly name = 'meilisearch';
  readonly durable = true;
  /** Changes made while a rebuild fills its new index; replayed on it before the swap. */
  private readonly journals = new Set<Change[]>();
  /** Writes and the replay-and-swap step run one at a time, so no change can fall between them. */
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    /** Searches and health checks, with the short timeout. */
    private readonly client: Meilisearch,
    /** Writes and index management. */
    private readonly admin: Meilisearch,
    private readonly uid: string,
    /** Takes the API key out of any message, whatever a server may echo. */
    private readonly scrub: (message: string) => string,
  ) {}

  /** Connects and makes sure the index exists with our settings; throws a 503 AppError when it cannot. */
  static async connect({
    host, apiKey, indexUid = 'helpdesk', timeoutMs = 2000, onWarning,
  }: MeilisearchOptions): Promise<MeilisearchSearchIndex> {
    const scrub = (message: string) => (apiKey ? message.split(apiKey).join('[redacted]') : message);
    return call('setting up the index', scrub, async () => {
      // The client throws on a host it cannot parse: inside call(), that is a 503 like the rest.
      const index = new MeilisearchSearchIndex(
        new Meilisearch({ host, apiKey, timeout: timeoutMs }),
        new Meilisearch({ host, apiKey, timeout: Math.max(timeoutMs, WRITE_REQUEST_TIMEOUT_MS) }),
        indexUid,
        scrub,
      );
      await index.client.health();
      // Before the settings: an older server would refuse them with a message about a ranking rule.
      const problem = versionProblem((await index.client.getVersion()).pkgVersion, host);
      if (problem) throw new MeilisearchIncompatibleError(scrub(problem));
      if (onWarning && apiKey && (await index.canManageKeys())) {
        onWarning('MEILI_API_KEY can manage Meilisearch\'s API keys (the master key?): give the app a key limited to its own indexes; `helpdesk meili-key` creates one (see README).');
      }
      await index.ensureIndex(indexUid);
      return index;
    });
  }

  /** True when the key may list API keys (GET /keys): the master key, or a key as powerful. */
  private async canManageKeys(): Promise<boolean> {
    try {
      await this.client.getKeys({ limit: 1 });
      return true;
    } catch (err) {
      // 403 for a scoped key; 400 (missing_master_key) for a server without keys at all.
      if (err instanceof MeilisearchApiError) return false;
      throw err;
    }
  }

  async upsert(docs: SearchDoc[]): Promise<void> {
    if (docs.length === 0) return;
    await this.exclusive(() => this.call('indexing documents', async () => {
      await this.addDocuments(this.uid, [docs], WRITE_WAIT_MS);
      for (const journal of this.journals) journal.push({ upsert: docs });
    }));
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.exclusive(() => this.call('removing documents', async () => {
      await this.deleteDocuments(this.uid, ids, WRITE_WAIT_MS);
      for (const journal of this.journals) journal.push({ remove: ids });
    }));
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const started = performance.now();
    const limit = clampLimit(query.limit, DEFAULT_LIMIT);
    const plan = planSearch(this.uid, query, limit);
    const queries = [plan.exact, plan.text].filter((q): q is MultiSearchQuery => q !== null);
    if (queries.length === 0) return { hits: [], processingTimeMs: Math.round(performance.now() - started) };

    // One request for both queries: one round trip per keystroke.
    const { results } = await this.call('search', () => this.client.multiSearch<{ queries: MultiSearchQuery[] }, StoredHit>({ queries }));
    const exactHits = plan.exact ? results[0]!.hits : [];
    let textHits = plan.text ? results[queries.length - 1]!.hits : [];
    const found = exactDocs(query.partnerId, plan.keys, exactHits);
    if (plan.text && found.length > 0) {
      // An identifier was found: words only find more records of those orgs (a second request,
      // made only then, so that the usual keystroke stays one round trip).
      const among = textAmongOrgs(plan.text, query, found.map((d) => d.orgId));
      const again = await this.call('search', () => this.client.multiSearch<{ queries: MultiSearchQuery[] }, StoredHit>({ queries: [among] }));
      textHits = again.results[0]!.hits;
    }
    const hits = mergeHits(query, plan.keys, exactHits, textHits, limit);
    return { hits, processingTimeMs: Math.round(performance.now() - started) };
  }

  /**
   * Fills `${uid}_next_<time>` with the same settings while searches keep answering from the live
   * index, lets the caller apply the changes made meanwhile (options.beforeSwap), replays the
   * writes this process made meanwhile, swaps the two (one atomic task) and deletes the old one.
   */
  async rebuild(batches: AsyncIterable<SearchDoc[]>, options: RebuildOptions = {}): Promise<RebuildResult> {
    const next = `${this.uid}_next_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    const journal: Change[] = [];
    this.journals.add(journal);
    let swapped = false;
    try {
      await this.call('rebuilding the index', async () => {
        await this.ensureIndex(next);
        await this.addDocuments(next, sourceOf(batches), BUILD_WAIT_MS);
      });
      if (options.beforeSwap) {
        await options.beforeSwap({
          upsert: (docs) => this.call('catching up the rebuilt index', () => this.addDocuments(next, [docs], BUILD_WAIT_MS)),
          remove: (ids) => this.call('catching up the rebuilt index', () => this.deleteDocuments(next, ids, BUILD_WAIT_MS)),
        });
      }
      await this.exclusive(() => this.call('swapping in the rebuilt index', async () => {
        for (const change of journal) {
          if ('upsert' in change) await this.addDocuments(next, [change.upsert], BUILD_WAIT_MS);
          else await this.deleteDocuments(next, change.remove, BUILD_WAIT_MS);
        }
        // The two indexes trade contents (https://www.meilisearch.com/docs/reference/api/indexes/swap-indexes);
        // `rename: true` would rename the first to the second instead, which needs the second not to exist.
        await this.settle(this.admin.swapIndexes([{ indexes: [this.uid, next], rename: false }]), 'index swap', BUILD_WAIT_MS);
        swapped = true;
      }));
    } catch (err) {
      // The half-built index is of no use; the live one is untouched.
      if (!swapped) await this.deleteIndex(next).catch(() => undefined);
      throw err;
    } finally {
      this.journals.delete(journal);
    }
    // After the swap, `next` names the old index. The new one is live already: failing to delete
    // the old one must not fail the rebuild (a retry would build and swap all over again).
    const warnings: string[] = [];
    try {
      await this.call('deleting the replaced index', () => this.deleteIndex(next));
    } catch (err) {
      warnings.push(`${(err as Error).message} The rebuilt index is live; delete the old index ${next} when Meilisearch answers again (DELETE /indexes/${next}).`);
    }
    return { count: await this.count(), ...(warnings.length > 0 ? { warnings } : {}) };
  }

  async count(): Promise<number> {
    const stats = await this.call('reading the index size', () => this.client.index(this.uid).getStats());
    return stats.numberOfDocuments;
  }

  async ping(): Promise<void> {
    await this.call('health check', () => this.client.health());
  }

  /** The client keeps no connection open: nothing to release. */
  async close(): Promise<void> {}

  /** Deletes the index and waits; for tests and operators, not part of the port. */
  async drop(): Promise<void> {
    await this.call('deleting the index', () => this.deleteIndex(this.uid));
  }

  private async ensureIndex(uid: string): Promise<void> {
    try {
      await this.admin.getRawIndex(uid);
    } catch (err) {
      if (!(err instanceof MeilisearchApiError && err.cause?.code === 'index_not_found')) throw err;
      const task = await this.waitFor(this.admin.createIndex(uid, { primaryKey: 'id' }), `creating index ${uid}`, BUILD_WAIT_MS);
      // Another process may have created it meanwhile: that is as good.
      if (task.status !== 'succeeded' && task.error?.code !== 'index_already_exists') this.failed(task, `creating index ${uid}`);
    }
    // Settings are applied on every start: an upgrade that changes them takes effect by itself.
    await this.settle(this.admin.index(uid).updateSettings(MEILI_SETTINGS), `settings of index ${uid}`, BUILD_WAIT_MS);
  }

  private async addDocuments(uid: string, docs: Iterable<SearchDoc[]> | AsyncIterable<SearchDoc[]>, waitMs: number): Promise<void> {
    const index = this.admin.index<MeiliDocument>(uid);
    for await (const batch of payloads(docs)) {
      await this.settle(index.addDocuments(batch, { primaryKey: 'id' }), `indexing ${batch.length} documents`, waitMs);
    }
  }

  private async deleteDocuments(uid: string, ids: string[], waitMs: number): Promise<void> {
    const index = this.admin.index(uid);
    for (let i = 0; i < ids.length; i += MAX_BATCH_DOCS) {
      const chunk = ids.slice(i, i + MAX_BATCH_DOCS).map(meiliId);
      await this.settle(index.deleteDocuments(chunk), `removing ${chunk.length} documents`, waitMs);
    }
  }

  private async deleteIndex(uid: string): Promise<void> {
    const task = await this.waitFor(this.admin.deleteIndex(uid), `deleting index ${uid}`, BUILD_WAIT_MS);
    if (task.status !== 'succeeded' && task.error?.code !== 'index_not_found') this.failed(task, `deleting index ${uid}`);
  }

  /** Waits for a task and insists that it succeeded: an enqueued task is only a promise. */
  private async settle(enqueued: EnqueuedTaskPromise, what: string, waitMs: number): Promise<Task> {
    const task = await this.waitFor(enqueued, what, waitMs);
    if (task.status !== 'succeeded') this.failed(task, what);
    return task;
  }

  /**
   * Polls a task until it is done (GET /tasks/:uid). Not the client's waitTask: when a poll fails
   * (Meilisearch gone mid-wait) it leaves its timeout timer behind, which holds the process open for
   * the rest of the wait (15 minutes for a rebuild) after the error was reported.
   */
  private async waitFor(enqueued: EnqueuedTaskPromise, what: string, waitMs: number): Promise<Task> {
    const { taskUid } = await enqueued;
    const deadline = Date.now() + waitMs;
    for (let pause = TASK_POLL_MS; ; pause = Math.min(pause * 2, MAX_TASK_POLL_MS)) {
      const task = await this.admin.tasks.getTask(taskUid);
      if (task.status !== 'enqueued' && task.status !== 'processing') return task;
      if (Date.now() + pause > deadline) {
        throw unavailable(this.scrub(`Meilisearch: ${what} not done after ${Math.round(waitMs / 1000)} s (task ${taskUid}, ${task.status}).`));
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private failed(task: Task, what: string): never {
    const reason = task.error ? `${task.error.code}: ${task.error.message}` : task.status;
    throw unavailable(this.scrub(`Meilisearch: ${what} failed (task ${task.uid}, ${reason}).`));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn, fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  private call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return call(action, this.scrub, fn);
  }
}

/**
 * What the app's key may do, on its own indexes only: everything connect(), the writes, searches and
 * rebuild() send (https://www.meilisearch.com/docs/reference/api/keys#actions). Not `keys.*`,
 * dumps, snapshots or other indexes: a leaked app key cannot take over the server.
 */
export const APP_KEY_ACTIONS = [
  'search', 'documents.add', 'documents.delete', 'indexes.create', 'indexes.get', 'indexes.delete', 'indexes.swap',
  'settings.update', 'stats.get', 'tasks.get', 'version',
] as const;

/** The indexes the app's key reaches: the live index and the ones rebuild() fills beside it. */
export const appKeyIndexes = (indexUid = 'helpdesk') => [indexUid, `${indexUid}_*`];

/** Creates the app's scoped key with the master key (`helpdesk meili-key`) and returns it. */
export async function createAppKey({ host, masterKey, indexUid = 'helpdesk' }: { host: string; masterKey: string; indexUid?: string }): Promise<string> {
  const scrub = (message: string) => message.split(masterKey).join('[redacted]');
  return call('creating the app\'s API key', scrub, async () => {
    const client = new Meilisearch({ host, apiKey: masterKey, timeout: WRITE_REQUEST_TIMEOUT_MS });
    const { key } = await client.createKey({
      name: 'helpdesk app',
      description: 'Partner Help Desk: searches, index writes, settings and reindex of its own indexes',
      actions: [...APP_KEY_ACTIONS],
      indexes: appKeyIndexes(indexUid),
      expiresAt: null,
    });
    return key;
  });
}

/**
 * Runs client calls and turns what the client throws into the app's 503. Anything else (an
 * AppError already, or an error of the documents' source during a rebuild) passes unchanged.
 */
async function call<T>(action: string, scrub: (message: string) => string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SourceError) throw err.original;
    // The client parses every answer as JSON before it looks at the status: a proxy's HTML error
    // page (an nginx 502 while Meilisearch restarts) surfaces as a SyntaxError. Nothing else in
    // these calls parses JSON, and the documents' source is told apart by SourceError.
    if (err instanceof SyntaxError) {
      throw unavailable(scrub(`Meilisearch answered with something other than JSON during ${action} (a proxy in front of it answering for it?).`));
    }
    if (!(err instanceof MeilisearchError)) throw err;
    throw unavailable(scrub(`Meilisearch ${reason(err)} during ${action}.`));
  }
}

/** An error of the documents' source during a rebuild: call() passes the original on unchanged. */
class SourceError extends Error {
  constructor(readonly original: unknown) {
    super('the documents\' source failed');
  }
}

/** The documents of a rebuild, with the source's own errors marked as such (see call()). */
async function* sourceOf(batches: AsyncIterable<SearchDoc[]>): AsyncGenerator<SearchDoc[]> {
  const source = batches[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let step: IteratorResult<SearchDoc[]>;
      try {
        step = await source.next();
      } catch (err) {
        done = true;
        throw new SourceError(err);
      }
      if (step.done) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // Stopped early (a failed write): let the source release what it holds, as for-await would.
    if (!done) await source.return?.();
  }
}

/** What went wrong, in words; the client's own messages would include the request URL. */
function reason(err: MeilisearchError): string {
  if (err instanceof MeilisearchApiError) {
    return `answered ${err.response.status}${err.cause ? ` (${err.cause.code}: ${err.cause.message})` : ''}`;
  }
  // The client reports its request timeout as a request error caused by the timeout.
  const timeout = err instanceof MeilisearchRequestError && err.cause instanceof MeilisearchRequestTimeOutError ? err.cause : err;
  if (timeout instanceof MeilisearchRequestTimeOutError) {
    return `did not answer in time (${timeout.message})`;
  }
  if (err instanceof MeilisearchRequestError) return 'is unreachable';
  return `failed (${err.name})`;
}

/**
 * Regroups documents into payloads of at most MAX_BATCH_DOCS documents and about MAX_BATCH_BYTES:
 * a rebuild's small batches become few large tasks, which Meilisearch indexes faster.
 */
async function* payloads(source: Iterable<SearchDoc[]> | AsyncIterable<SearchDoc[]>): AsyncGenerator<MeiliDocument[]> {
  let batch: MeiliDocument[] = [];
  let bytes = 0;
  for await (const docs of source) for (const searchDoc of docs) {
    const doc = toMeiliDocument(searchDoc);
    const size = Buffer.byteLength(JSON.stringify(doc));
    if (batch.length > 0 && (batch.length === MAX_BATCH_DOCS || bytes + size > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(doc);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
