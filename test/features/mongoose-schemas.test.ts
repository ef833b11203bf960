// What can be checked of the MongoDB store without a server: the schemas' validation and declared
// indexes, the translation of MongoDB errors into the app's, and the retry of the first connection.
import mongoose from 'mongoose';
import { AppError } from '../../src/errors';
import { MongooseStore, toAppError } from '../../src/store/mongoose/mongoose-store';
import { createModels, type Models } from '../../src/store/mongoose/schemas';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import * as f from '../helpers/factories';
import { checkWithMongooseSchemas, takeSchemaViolations } from '../helpers/mongoose-checked-store';

type IndexSpec = [Record<string, unknown>, Record<string, unknown>];

const indexesOf = (model: mongoose.Model<any>) => model.schema.indexes() as IndexSpec[];
const hasIndex = (model: mongoose.Model<any>, keys: Record<string, number>, options: Record<string, unknown> = {}) =>
  indexesOf(model).some(([k, o]) => JSON.stringify(k) === JSON.stringify(keys)
    && Object.entries(options).every(([name, value]) => o[name] === value));

/** The validation error a document gets, or null when it is valid. */
async function validationErrorOf(model: mongoose.Model<any>, doc: object) {
  return new model(doc, null, { skipId: true }).validate().then(() => null, (err: unknown) => err as mongoose.Error.ValidationError);
}

describe('mongoose schemas', () => {
  const conn = mongoose.createConnection();
  let m: Models;

  beforeAll(() => { m = createModels(conn); });
  afterAll(() => conn.close());

  test('when an org is complete, then it validates and its BSON keeps an empty settings object and a null support plan', async () => {
    const org = f.org('p-1', { supportPlan: null, settings: {}, sites: [{ url: 'acme.webex.com', type: 'meetings', status: 'active' }] });

    expect(await validationErrorOf(m.Org, org)).toBeNull();
    const bson = new m.Org(org, null, { skipId: true }).toBSON();
    expect(bson).toEqual(org);
    expect(bson).not.toHaveProperty('_id');
  });

  test('when an org has an unknown status or support tier, then validation names those fields', async () => {
    const err = await validationErrorOf(m.Org, f.org('p-1', { status: 'closed' as never, supportPlan: { tier: 'gold' as never, region: 'emea' } }));

    expect(Object.keys(err!.errors).sort()).toEqual(['status', 'supportPlan.tier']);
  });

  test('when an org misses its partner, then validation says partnerId is required', async () => {
    const { partnerId, ...withoutPartner } = f.org('p-1');
    const err = await validationErrorOf(m.Org, withoutPartner);

    expect(err!.errors.partnerId.kind).toBe('required');
  });

  test('when a user has a bad status or a bad last-email state, then validation names them', async () => {
    const user = { ...f.user('o-1'), partnerId: 'p-1', status: 'gone', lastEmail: { kind: 'welcome', status: 'lost', at: '2024-01-01T00:00:00Z', detail: '' } };
    const err = await validationErrorOf(m.User, user);

    expect(Object.keys(err!.errors).sort()).toEqual(['lastEmail.status', 'status']);
  });

  test('when a license quantity is negative or not a number, then validation rejects it', async () => {
    const bad = (quantity: unknown) => f.org('p-1', {
      subscriptions: [{ id: 'S-1', plan: 'Suite', status: 'active', start: '', end: '', licenses: [{ sku: 'X', name: 'X', quantity: quantity as number, used: 0 }] }],
    });

    expect((await validationErrorOf(m.Org, bad(-1)))!.errors['subscriptions.0.licenses.0.quantity'].kind).toBe('min');
    expect((await validationErrorOf(m.Org, bad('many')))!.errors['subscriptions.0.licenses.0.quantity'].kind).toBe('Number');
  });

  test('when an agent has an unknown role or no email, then validation names them', async () => {
    const err = await validationErrorOf(m.Agent, {
      id: 'a-1', partnerId: 'p-1', name: 'A', role: 'root', passwordHash: 'scrypt$x', createdAt: '2024-01-01T00:00:00Z',
    });

    expect(Object.keys(err!.errors).sort()).toEqual(['email', 'role']);
  });

  test('when an invited agent has no password yet (passwordHash null), then it validates and is stored with null', async () => {
    const invited = {
      id: 'a-2', partnerId: 'p-1', email: 'new@example.com', name: 'New', role: 'helpdesk', passwordHash: null,
      disabled: false, failedLogins: 0, lockedUntil: null, createdAt: '2024-01-01T00:00:00Z',
    };

    expect(await validationErrorOf(m.Agent, invited)).toBeNull();
    expect(new m.Agent(invited, null, { skipId: true }).toBSON()).toEqual(invited);
  });

  test('when a verification has an unknown outcome or a change an unknown entity, then validation rejects them', async () => {
    const verification = await validationErrorOf(m.Verification, {
      id: 'v-1', partnerId: 'p-1', orgId: 'o-1', userId: 'u-1', sentTo: 'a@example.com', requestedBy: 'a-1', codeHash: 'h',
      createdAt: '2024-01-01T00:00:00Z', expiresAt: new Date(), attempts: 0, outcome: 'maybe', settledAt: null,
    });
    const change = await validationErrorOf(m.Change, { seq: 1, entity: 'partner', id: 'x', at: new Date() });

    expect(Object.keys(verification!.errors)).toEqual(['outcome']);
    expect(Object.keys(change!.errors)).toEqual(['entity']);
  });

  test('when a token is kept in MongoDB, then its display hint is kept, and a token from before hints still validates', async () => {
    const token = { id: 't1', agentId: 'a1', partnerId: 'p1', name: 'ci', tokenHash: 'h', createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: null, revokedAt: null };
    expect(new m.ApiToken({ ...token, hint: 'phd_Ab…wxYz' }).toObject().hint).toBe('phd_Ab…wxYz');
    expect(await validationErrorOf(m.ApiToken, token)).toBeNull();
  });

  test('when the schemas are compiled, then every record collection has a unique index on its id', () => {
    for (const model of [m.Partner, m.Org, m.User, m.Device, m.Agent, m.ApiToken, m.AuditEvent, m.Verification, m.OutboxMail,
      m.ConsentGrant, m.AccessRequest]) {
      expect(hasIndex(model, { id: 1 }, { unique: true })).toBe(true);
    }
    expect(hasIndex(m.Session, { sid: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.Change, { seq: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.RateLimit, { key: 1 }, { unique: true })).toBe(true);
  });

  test('when the schemas are compiled, then agent emails, token hashes and once-only keys are unique', () => {
    expect(hasIndex(m.Agent, { email: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.ApiToken, { tokenHash: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.PasswordSetup, { tokenHash: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.MagicLink, { tokenHash: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.Suppression, { email: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.EmailEvent, { email: 1, type: 1, messageKind: 1, atTime: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.Replay, { key: 1 }, { unique: true })).toBe(true);
    expect(hasIndex(m.GrantReminder, { grantId: 1, kind: 1, endsAt: 1 }, { unique: true })).toBe(true);
  });

  test('when the schemas are compiled, then sessions, rate-limit windows, replay keys and links expire through TTL indexes', () => {
    expect(hasIndex(m.Session, { expiresAt: 1 }, { expireAfterSeconds: 0 })).toBe(true);
    expect(hasIndex(m.RateLimit, { resetAt: 1 }, { expireAfterSeconds: 0 })).toBe(true);
    expect(hasIndex(m.Replay, { expiresAt: 1 }, { expireAfterSeconds: 0 })).toBe(true);
    expect(hasIndex(m.MagicLink, { expiresAt: 1 }, { expireAfterSeconds: 0 })).toBe(true);
    expect(indexesOf(m.Verification).some(([k, o]) => 'expiresAt' in k && typeof o.expireAfterSeconds === 'number')).toBe(true);
  });

  test('when the schemas are compiled, then tenant-scoped queries have their indexes', () => {
    expect(hasIndex(m.Org, { partnerId: 1 })).toBe(true);
    expect(hasIndex(m.User, { partnerId: 1, orgId: 1, displayName: 1, id: 1 })).toBe(true);
    expect(hasIndex(m.User, { partnerId: 1, email: 1 })).toBe(true);
    expect(hasIndex(m.Device, { partnerId: 1, orgId: 1, displayName: 1, id: 1 })).toBe(true);
    expect(hasIndex(m.Device, { partnerId: 1, ownerUserId: 1 })).toBe(true);
    expect(hasIndex(m.AuditEvent, { partnerId: 1, at: -1 })).toBe(true);
    expect(hasIndex(m.Verification, { partnerId: 1, userId: 1, createdAt: -1 })).toBe(true);
  });
});

describe('MongoDB error translation', () => {
  test('when MongoDB reports a duplicate key (11000), then it becomes a conflict naming the key', () => {
    const err = toAppError(new mongoose.mongo.MongoServerError({
      code: 11000, errmsg: 'E11000 duplicate key error collection: agents index: email_1', keyPattern: { email: 1 }, keyValue: { email: 'a@example.com' },
    }));

    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'conflict', status: 409, message: 'A record with this email already exists.' });
  });

  test('when mongoose reports a validation error, then it becomes invalid with one entry per field, without the value', async () => {
    const conn = mongoose.createConnection();
    const { Org } = createModels(conn);
    const cause = await new Org(f.org('p-1', { status: '<script>' as never })).validate().catch((e: unknown) => e);
    await conn.close();

    const err = toAppError(cause) as AppError;
    expect(err).toMatchObject({ code: 'invalid', status: 400 });
    expect(err.details.fields).toEqual([{ field: 'status', message: 'is not one of the allowed values' }]);
    expect(JSON.stringify(err)).not.toContain('<script>');
  });

  test('when mongoose cannot cast a value, then it becomes invalid naming the path', () => {
    const err = toAppError(new mongoose.Error.CastError('Number', 'many', 'quantity')) as AppError;

    expect(err).toMatchObject({ code: 'invalid', status: 400 });
    expect(err.details.fields).toEqual([{ field: 'quantity', message: 'must be a valid number' }]);
  });

  test('when the connection is lost or closed, then it becomes unavailable (503)', () => {
    for (const cause of [new mongoose.mongo.MongoNetworkError('connection reset'), new mongoose.mongo.MongoNotConnectedError('closed')]) {
      expect(toAppError(cause)).toMatchObject({ code: 'unavailable', status: 503 });
    }
  });

  test('when the error is already an AppError or unknown, then it is passed through unchanged', () => {
    const appError = new AppError('forbidden', 403, 'no');
    const other = new Error('boom');

    expect(toAppError(appError)).toBe(appError);
    expect(toAppError(other)).toBe(other);
  });
});

describe('MongooseStore.connect', () => {
  test('when no server answers, then the first connection is retried with growing delays and ends in unavailable', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const log = { warn: (obj: object) => { warnings.push(obj as Record<string, unknown>); }, info: () => undefined };

    // Port 1 on loopback: refused at once, no server and no network involved.
    const err = await MongooseStore.connect('mongodb://127.0.0.1:1/helpdesk', log, {
      attempts: 3, baseDelayMs: 20, serverSelectionTimeoutMS: 150,
    }).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'unavailable', status: 503 });
    expect(warnings.map((w) => [w.attempt, w.delayMs])).toEqual([[1, 20], [2, 40]]);
    expect(JSON.stringify(warnings)).not.toContain('127.0.0.1:1/helpdesk');
  });

  test('when the URI is malformed, then it fails at once without retrying', async () => {
    const warn = jest.fn();
    const err = await MongooseStore.connect('mongodb://', { warn, info: () => undefined }, { attempts: 5, baseDelayMs: 1000 })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AppError);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('the mongoose schemas as a second opinion on the suites\' writes (test/helpers/mongoose-checked-store.ts)', () => {
  test('when a checked store is given a record MongoDB would refuse, then the write fails as the adapter\'s would, nothing is written, and the violation is recorded', async () => {
    const store = checkWithMongooseSchemas(new EmbeddedStore(':memory:'));
    try {
      const agent = {
        id: 'a-1', partnerId: 'p-1', email: 'A@Example.com', name: 'A', role: 'root' as never, passwordHash: 'scrypt$x',
        disabled: false, failedLogins: 0, lockedUntil: null, createdAt: '2024-01-01T00:00:00Z',
      };

      await expect(store.agents.create(agent)).rejects.toMatchObject({ code: 'invalid', status: 400 });
      expect(await store.agents.getByEmail('a@example.com')).toBeNull();
      expect(takeSchemaViolations()).toEqual([{ write: 'agents.create', model: 'Agent', errors: { role: expect.stringContaining('root') } }]);

      await store.agents.create({ ...agent, role: 'helpdesk', passwordHash: null });
      expect(takeSchemaViolations()).toEqual([]);
      expect(await store.agents.getByEmail('a@example.com')).toMatchObject({ role: 'helpdesk', passwordHash: null });
    } finally {
      await store.close();
    }
  });
});
