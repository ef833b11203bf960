// With WEB_CONCURRENCY > 1 the app processes are workers of a primary that does not listen
// (src/process-group.ts). A worker asked for /metrics asks the primary over the cluster's IPC
// channel; the primary gathers every worker's registry with prom-client's AggregatorRegistry
// (which asks each worker in turn over the same channel) and answers the sum.
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';

const ASK = 'helpdesk:metrics-request';
const ANSWER = 'helpdesk:metrics-answer';
const TIMEOUT_MS = 5_000;

interface Ask { type: typeof ASK; id: number }
interface Answer { type: typeof ANSWER; id: number; text?: string; error?: string }

// A worker answers the aggregator's requests only once an AggregatorRegistry exists in it.
if (cluster.isWorker) new AggregatorRegistry();

let asked = 0;
/** In a worker: the metrics of every process of the group, from the primary. */
export function metricsOfGroup(): Promise<string> {
  const id = ++asked;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, text?: string) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(text!);
    };
    const onMessage = (m: Answer) => {
      if (m?.type === ANSWER && m.id === id) done(m.error ? new Error(m.error) : null, m.text);
    };
    const timer = setTimeout(() => done(new Error('the primary process did not send the metrics in time')), TIMEOUT_MS);
    process.on('message', onMessage);
    process.send!({ type: ASK, id } satisfies Ask);
  });
}

/** In the primary: answers the workers' requests for the group's metrics. */
export function serveGroupMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: Ask) => {
    if (message?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id, text } satisfies Answer),
      (err: Error) => worker.send({ type: ANSWER, id: message.id, error: err.message } satisfies Answer),
    );
  });
}
