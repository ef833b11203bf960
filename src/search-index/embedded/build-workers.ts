// A full rebuild of the embedded index with the other cores helping. Reading the store, turning
// records into search documents and preparing them (words, key hashes, stored JSON: see
// prepared-docs.ts) is about two thirds of a build, and depends on each record alone; so worker
// threads do it, each over its own part of every table, and hand their batches over without a
// copy. The main thread only fills the index. Used when the store is the embedded file, which a
// worker can open itself.
import os from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { EmbeddedStore } from '../../store/embedded/embedded-store';
import { storeDocs } from '../documents';
import { BatchWriter, type PreparedBatch } from './prepared-docs';

const BATCH = 2000;
/** Batches a worker may have handed over and not yet seen taken: bounds the memory a slow consumer costs. */
const WINDOW = 4;

interface Job { file: string; index: number; of: number; orgNames: Array<[string, string]> }
type FromWorker =
  | { batch: PreparedBatch }
  | { done: true }
  | { error: string };

/** The compiled worker script: under ts-jest this module runs from src/, the worker needs JavaScript. */
function workerScript(): string {
  if (__filename.endsWith('.js')) return __filename;
  const root = path.resolve(__dirname, '../../..');
  return path.join(root, 'dist', path.relative(root, __filename)).replace(/\.ts$/, '.js');
}

/**
 * How many workers a build uses: one per core, at most four (the main thread is the limit beyond);
 * none on one core, where handing batches over would only add to the work of the one thread.
 */
export function buildWorkerCount(cores = os.availableParallelism()): number {
  return cores < 2 ? 0 : Math.min(4, cores);
}

/**
 * Every org, user and device of the embedded store in `file`, as prepared batches, from `workers`
 * worker threads; users and devices show the name `orgNames` gives their org. Throws if a worker
 * fails; stopping early (a `break`, or an error while consuming) terminates the workers.
 */
export async function* preparedFromStore(
  file: string, orgNames: ReadonlyMap<string, string>, workers: number,
): AsyncIterable<PreparedBatch> {
  const names = [...orgNames];
  const queue: Array<{ worker: Worker; message: FromWorker }> = [];
  let wake: (() => void) | null = null;
  const push = (worker: Worker, message: FromWorker) => {
    queue.push({ worker, message });
    wake?.();
  };
  const pool = Array.from({ length: workers }, (_, index) => {
    const worker = new Worker(workerScript(), { workerData: { file, index, of: workers, orgNames: names } satisfies Job });
    worker.on('message', (message: FromWorker) => push(worker, message));
    worker.on('error', (err) => push(worker, { error: err.message }));
    worker.on('exit', (code) => { if (code !== 0) push(worker, { error: `build worker exited with code ${code}` }); });
    return worker;
  });
  let running = workers;
  try {
    while (running > 0) {
      if (queue.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
      wake = null;
      const { worker, message } = queue.shift()!;
      if ('error' in message) throw new Error(`search index build worker: ${message.error}`);
      if ('done' in message) running--;
      else {
        worker.postMessage('taken');
        yield message.batch;
      }
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** The worker: its part of every table, as prepared batches. */
async function work(job: Job): Promise<void> {
  const port = parentPort!;
  let unanswered = 0;
  let resume: (() => void) | null = null;
  port.on('message', () => {
    unanswered--;
    resume?.();
  });
  const writer = new BatchWriter();
  const send = async () => {
    if (writer.size === 0) return;
    while (unanswered >= WINDOW) await new Promise<void>((resolve) => { resume = resolve; });
    resume = null;
    const batch = writer.finish();
    unanswered++;
    port.postMessage({ batch } satisfies FromWorker, [batch.ints.buffer, batch.dict.buffer, batch.text.buffer, batch.packed.buffer]);
  };
  const store = new EmbeddedStore(job.file);
  try {
    for await (const docs of storeDocs(store, new Map(job.orgNames), BATCH, { index: job.index, of: job.of })) {
      for (const doc of docs) writer.add(doc);
      await send();
    }
    port.postMessage({ done: true } satisfies FromWorker);
  } finally {
    await store.close();
  }
}

if (!isMainThread && (workerData as Job | null)?.file !== undefined) {
  work(workerData as Job).catch((err: unknown) => {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  });
}
