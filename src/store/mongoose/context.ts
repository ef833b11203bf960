// What every repository of MongooseStore shares: the models, error translation, validation, the
// transaction in the current call chain and the change-outbox writer (docs/architecture.md, "The store").
import type { AsyncLocalStorage } from 'node:async_hooks';
import mongoose, { type ClientSession, type Connection } from 'mongoose';
import { AppError, STORE_RETRY_AFTER_S, conflict, invalid, unavailable, type FieldError } from '../../errors';
import type { ChangedEntity } from '../records';
import type { ScanPart } from '../common';
import type { Models } from './schemas';

/** Error classes that mean MongoDB is out of reach (down, failing over, or the connection closed). */
const UNREACHABLE: Array<abstract new (...args: never[]) => Error> = [
  mongoose.mongo.MongoServerSelectionError,
  mongoose.mongo.MongoNetworkError,
  mongoose.mongo.MongoNotConnectedError,
  mongoose.mongo.MongoTopologyClosedError,
  mongoose.Error.MongooseServerSelectionError,
];

/** Translates a MongoDB or mongoose error into the app's error; anything else is returned unchanged. */
export function toAppError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if ((err as { code?: unknown } | null)?.code === 11000) {
    const fields = Object.keys((err as { keyPattern?: object }).keyPattern ?? {});
    return conflict(`A record with this ${fields.join(', ') || 'key'} already exists.`);
  }
  if (err instanceof mongoose.Error.ValidationError) {
    const fields: FieldError[] = Object.entries(err.errors).map(([field, e]) => ({ field, message: describe(e.kind) }));
    return invalid(`Invalid ${fields.map((f) => f.field).join(', ')}`, fields);
  }
  if (err instanceof mongoose.Error.CastError) {
    return invalid(`Invalid ${err.path}`, [{ field: err.path, message: describe(err.kind) }]);
  }
  if (UNREACHABLE.some((cls) => err instanceof cls)) {
    return unavailable('The database is not answering. Try again in a moment.', STORE_RETRY_AFTER_S);
  }
  return err;
}

// Field messages name the rule, never echo the value: it may be anything a client sent.
function describe(kind: string): string {
  if (kind === 'required') return 'is required';
  if (kind === 'enum') return 'is not one of the allowed values';
  if (kind === 'min' || kind === 'max') return 'is out of range';
  return `must be a valid ${kind.toLowerCase()}`;
}

export type Lean = Record<string, unknown>;

/** A lean document as a port record: MongoDB's own fields stay inside the adapter. */
export function plain<T>(doc: Lean): T {
  const { _id, __v, ...rest } = doc;
  return rest as T;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export class MongooseContext {
  constructor(readonly connection: Connection, readonly m: Models) {}

  db() {
    const db = this.connection.db;
    if (!db) throw unavailable('The database connection is closed.');
    return db;
  }

  /** Runs one port operation and translates whatever MongoDB or mongoose throws. */
  async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw toAppError(err);
    }
  }

  /**
   * Runs `body` in the transaction already open in this call chain (MongooseStore.transaction()), or
   * in a new one: a write's own transaction never opens a second, separate one inside another.
   */
  async inTransaction<T>(body: (session: ClientSession) => Promise<T>): Promise<T> {
    const open = (mongoose as unknown as { transactionAsyncLocalStorage?: AsyncLocalStorage<{ session?: ClientSession }> })
      .transactionAsyncLocalStorage?.getStore()?.session;
    if (open) return body(open);
    return this.connection.transaction((session) => body(session));
  }

  /** Validates a record against its schema before anything is written. */
  async validate(model: mongoose.Model<any>, record: object): Promise<void> {
    await new model(record, null, { skipId: true }).validate();
  }

  /**
   * Writes a record and its change-outbox row together: in one transaction where the server has
   * them, so the index can never miss a committed change (see SETTLE_MS in src/store/changes/mongoose.ts
   * for the order of seqs). `write` answers false when it changed nothing, and then no change row is written.
   */
  async withChange(entity: ChangedEntity, id: string, write: (session?: ClientSession) => Promise<boolean | void>) {
    const body = async (session?: ClientSession) => {
      if ((await write(session)) === false) return;
      await this.appendChange(entity, id, session);
    };
    await this.inTransaction(body);
  }

  async appendChange(entity: ChangedEntity, id: string, session?: ClientSession): Promise<void> {
    // Taken outside the session on purpose: inside the transaction every writer would conflict on
    // the counter document. A seq whose transaction then aborts is a harmless gap. session(null):
    // not the transaction's, which mongoose would otherwise attach by itself (see MongooseStore.connect()).
    const counter = await this.m.Counter.findOneAndUpdate(
      { _id: 'changes' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' },
    ).session(null).lean<{ seq: number }>();
    const seq = counter!.seq;
    // An upsert with an update pipeline, so writtenAt is the server's $$NOW; $literal keeps an id
    // that starts with '$' from being read as a field path.
    await this.m.Change.updateOne(
      { seq },
      [{ $set: { entity: { $literal: entity }, id: { $literal: id }, at: { $literal: new Date() }, writtenAt: '$$NOW' } }],
      { upsert: true, updatePipeline: true, setDefaultsOnInsert: false, session },
    );
  }

  async orgPartner(orgId: string, session?: ClientSession): Promise<string> {
    const org = await this.m.Org.findOne({ id: orgId }, { partnerId: 1 }).session(session ?? null).lean<{ partnerId: string }>();
    if (!org) throw invalid(`orgId: no org with id ${orgId}`, [{ field: 'orgId', message: 'unknown org' }]);
    return org.partnerId;
  }

  async *scan<T>(model: mongoose.Model<any>, batchSize: number, part: ScanPart = { index: 0, of: 1 }): AsyncIterable<T[]> {
    // Parts by ranges of the id's first character; ids are UUIDs, so hex digits split them evenly.
    // The first part starts at '' and the last has no end: any id is in exactly one part.
    const bound = (k: number) => '0123456789abcdef'[Math.floor((16 * k) / part.of)]!;
    const upto = part.index + 1 < part.of ? { $lt: bound(part.index + 1) } : {};
    let from: object = part.index > 0 ? { $gte: bound(part.index) } : { $gt: '' };
    for (;;) {
      const rows = await this.run(() => model.find({ id: { ...from, ...upto } }).sort({ id: 1 }).limit(batchSize).lean<Lean[]>());
      if (rows.length === 0) return;
      from = { $gt: rows[rows.length - 1].id as string };
      yield rows.map((r) => plain<T>(r));
    }
  }

  getByIds<T>(model: mongoose.Model<any>, ids: string[]): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.run(async () => (await model.find({ id: { $in: ids } }).sort({ id: 1 }).lean<Lean[]>()).map((r) => plain<T>(r)));
  }

  findOne<T>(model: mongoose.Model<any>, filter: object): Promise<T | null> {
    return this.run(async () => {
      const doc = await model.findOne(filter).lean<Lean>();
      return doc ? plain<T>(doc) : null;
    });
  }

  findMany<T>(model: mongoose.Model<any>, filter: object, sort: Record<string, 1 | -1>, page?: { limit: number; offset: number }) {
    return this.run(async () => {
      let query = model.find(filter).sort(sort);
      if (page) query = query.skip(page.offset).limit(page.limit);
      return (await query.lean<Lean[]>()).map((r) => plain<T>(r));
    });
  }

  countDocs(model: mongoose.Model<any>, filter: object): Promise<number> {
    return this.run(() => model.countDocuments(filter));
  }
}
