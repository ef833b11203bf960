// Prometheus metrics (prom-client, the process's default registry), served at GET /metrics
// (metrics.routes.ts). Labels are fixed, small sets (a route's pattern, a status, an engine, a
// query type, an outcome): never an id, an address or what was searched for, which would both leak
// and give Prometheus a new series per value.
import client from 'prom-client';
import type { Clock } from '../clock';
import type { QueryType } from '../search-index/query';
import type { SearchIndex } from '../search-index/search-index';
import type { Store } from '../store/store';

export const register = client.register;

// Once per process: the CPU, memory, event-loop lag, GC and handle metrics of Node.
client.collectDefaultMetrics({ register });

export const httpDuration = new client.Histogram({
  name: 'helpdesk_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by route pattern (never the URL) and status.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const searchDuration = new client.Histogram({
  name: 'helpdesk_search_duration_seconds',
  help: 'Time to answer a search, by engine (the configured one, or "store" when it was down) and query type.',
  labelNames: ['engine', 'query_type', 'scope'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

export const importRecords = new client.Counter({
  name: 'helpdesk_import_records_total',
  help: 'Import lines by outcome: imported, failed (refused, with the reason in the import\'s answer), deferred.',
  labelNames: ['outcome'] as const,
});

export const mailMessages = new client.Counter({
  name: 'helpdesk_mail_messages_total',
  help: 'Emails handed to the mail server, by kind and outcome: sent, or failed (the mail server refused or was down).',
  labelNames: ['kind', 'outcome'] as const,
});

export const mailRefusedSuppressed = new client.Counter({
  name: 'helpdesk_mail_refused_suppressed_total',
  help: 'Emails not sent because the address is on the suppression list, by the entry\'s reason.',
  labelNames: ['reason'] as const,
});

export const verificationChecks = new client.Counter({
  name: 'helpdesk_verification_checks_total',
  help: 'Caller verification codes checked, by outcome.',
  labelNames: ['outcome'] as const,
});

export const rateLimitRefusals = new client.Counter({
  name: 'helpdesk_rate_limit_refusals_total',
  help: 'Requests refused with 429 by a rate limiter, by limiter name.',
  labelNames: ['limiter'] as const,
});

/** Mail kinds are names the code gives (welcome, verification, grant_reminder_2d…); anything else is "other". */
export const mailKindLabel = (kind: string): string => (/^[a-z0-9_]{1,40}$/.test(kind) ? kind : 'other');

export function observeSearch(engine: string, queryType: QueryType, scope: 'all' | 'org', seconds: number): void {
  searchDuration.observe({ engine, query_type: queryType, scope }, seconds);
}

/** What the index gauges read at scrape time: the search index, and how far its indexer got. */
export interface IndexProbe {
  store: Store;
  search: SearchIndex;
  clock: Clock;
  /** The last change (store.changes seq) applied to the index. */
  position: () => number;
}

let probe: IndexProbe | undefined;
/** main.ts hands the process's index and indexer over once they are open (one per process). */
export function watchIndex(p: IndexProbe): void {
  probe = p;
}

// 'max' when the processes of a group are added up (AggregatorRegistry): each has its own copy of an
// embedded index, and the alert is about the one furthest behind.
new client.Gauge({
  name: 'helpdesk_search_index_documents',
  help: 'Documents in the search index.',
  aggregator: 'max',
  async collect() {
    if (!probe) return;
    this.set(await probe.search.count().catch(() => Number.NaN));
  },
});

/** How far the index is behind the store: in changes, and the age of the oldest change not applied. */
async function readLag(): Promise<{ changes: number; seconds: number } | null> {
  if (!probe) return null;
  const { store, clock, position } = probe;
  try {
    const at = position();
    const [latest, [oldest]] = await Promise.all([store.changes.latestSeq(), store.changes.listAfter(at, 1)]);
    return {
      changes: Math.max(0, latest - at),
      seconds: oldest ? Math.max(0, (clock.now().getTime() - Date.parse(oldest.at)) / 1000) : 0,
    };
  } catch {
    return { changes: Number.NaN, seconds: Number.NaN };
  }
}

new client.Gauge({
  name: 'helpdesk_search_outbox_lag_changes',
  help: 'Store changes not yet applied to the search index.',
  aggregator: 'max',
  async collect() {
    const lag = await readLag();
    if (lag) this.set(lag.changes);
  },
});

new client.Gauge({
  name: 'helpdesk_search_outbox_lag_seconds',
  help: 'Age in seconds of the oldest store change not yet applied to the search index (0 when it is up to date).',
  aggregator: 'max',
  async collect() {
    const lag = await readLag();
    if (lag) this.set(lag.seconds);
  },
});
