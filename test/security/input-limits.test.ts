// Every field that comes in from a source system (the import, the mail provider's webhook) has a
// ceiling: a record past one is refused with the field named, and every other record is kept.
// Without them an 8 MB display name was stored, indexed and sent back in every search hit.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import request from 'supertest';
import { importNdjson } from '../../src/import/importer';
import { IMPORT_LIMITS as L, parseImportRecord } from '../../src/import/import.schema';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_PATH, signMailEvent } from '../../src/features/suppression/mail-webhook.routes';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { buildTestApp } from '../helpers/test-app';

const ORG_ID = '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11';
const USER_ID = '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f';

/** One valid record of each kind, with one item in every list, so any field can be made too long. */
const BASE: Record<string, Record<string, unknown>> = {
  partner: { kind: 'partner', id: 'p-north', name: 'Northwind Partners' },
  org: {
    kind: 'org', id: ORG_ID, partnerId: 'p-north', name: 'Boulangerie Dupré SARL', status: 'active', createdAt: '2023-04-01T10:00:00Z',
    domains: [{ name: 'dupre.example', claimed: true, verified: true }],
    sites: [{ url: 'dupre.webex.com', type: 'meetings', status: 'active' }],
    orders: [{ number: 'WO-48213379', product: 'Webex Meetings', status: 'provisioned', date: '2023-03-28' }],
    subscriptions: [{ id: 'Sub-100231', plan: 'Webex Suite', status: 'active', start: '2023-04-01', end: '2026-03-31',
      licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }] }],
    supportPlan: { tier: 'enterprise', region: 'emea' },
    settings: { sso: 'enabled' },
  },
  user: {
    kind: 'user', id: USER_ID, orgId: ORG_ID, email: 'helene.dupre@dupre.example', firstName: 'Hélène', lastName: 'Dupré',
    displayName: 'Hélène Dupré', phone: '+33612345678', sipAddress: 'helene@dupre.calls.webex.com', status: 'active',
    createdAt: '2023-04-02T08:00:00Z', roles: ['full_admin'], licenses: ['MEET-ENT'], features: ['meetings'],
    supportContactFor: ['Webex Meetings'],
    lastEmail: { kind: 'welcome', status: 'bounced', at: '2023-04-02T08:01:00Z', detail: '550 5.1.1 mailbox unavailable' },
  },
  device: {
    kind: 'device', id: '9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d', orgId: ORG_ID, ownerUserId: USER_ID, displayName: 'Salle Rivoli',
    model: 'Room Kit', serial: 'FOC2231X0QZ', mac: '00:1A:2B:3C:4D:5E', sipAddress: 'rivoli@dupre.calls.webex.com', status: 'online',
  },
  suppression: { kind: 'suppression', email: 'helene.dupre@dupre.example', reason: 'hard_bounce', since: '2023-04-02T08:01:00Z', detail: '550' },
  email_event: { kind: 'email_event', email: 'helene.dupre@dupre.example', type: 'bounce', messageKind: 'welcome', at: '2023-04-02T08:01:00Z', detail: '550' },
};

/** Every free-text string field of the import, with its ceiling. */
const STRING_FIELDS: Array<[kind: string, path: string, max: number]> = [
  ['partner', 'id', L.id], ['partner', 'name', L.name],
  ['org', 'partnerId', L.id], ['org', 'name', L.name],
  ['org', 'domains.0.name', L.host], ['org', 'sites.0.url', L.host], ['org', 'sites.0.type', L.label], ['org', 'sites.0.status', L.label],
  ['org', 'orders.0.number', L.id], ['org', 'orders.0.product', L.name], ['org', 'orders.0.status', L.label], ['org', 'orders.0.date', L.date],
  ['org', 'subscriptions.0.id', L.id], ['org', 'subscriptions.0.plan', L.name], ['org', 'subscriptions.0.status', L.label],
  ['org', 'subscriptions.0.start', L.date], ['org', 'subscriptions.0.end', L.date],
  ['org', 'subscriptions.0.licenses.0.sku', L.id], ['org', 'subscriptions.0.licenses.0.name', L.name],
  ['org', 'settings.sso', L.settingValue], ['org', 'createdAt', L.date],
  ['user', 'email', L.email], ['user', 'firstName', L.name], ['user', 'lastName', L.name], ['user', 'displayName', L.name],
  ['user', 'phone', L.phone], ['user', 'sipAddress', L.sip], ['user', 'roles.0', L.id], ['user', 'licenses.0', L.id],
  ['user', 'features.0', L.id], ['user', 'supportContactFor.0', L.name],
  ['user', 'lastEmail.kind', L.label], ['user', 'lastEmail.detail', L.detail], ['user', 'lastEmail.at', L.date],
  ['device', 'id', L.id], ['device', 'displayName', L.name], ['device', 'model', L.name], ['device', 'serial', L.hardware],
  ['device', 'mac', L.hardware], ['device', 'sipAddress', L.sip], ['device', 'status', L.label],
  ['suppression', 'email', L.email], ['suppression', 'detail', L.detail], ['suppression', 'since', L.date],
  ['email_event', 'email', L.email], ['email_event', 'messageKind', L.label], ['email_event', 'detail', L.detail],
];

/** Every list of the import, with its longest allowed length. */
const LIST_FIELDS: Array<[kind: string, path: string, max: number]> = [
  ['org', 'domains', L.longList], ['org', 'sites', L.longList], ['org', 'orders', L.longList], ['org', 'subscriptions', L.longList],
  ['org', 'subscriptions.0.licenses', L.shortList],
  ['user', 'roles', L.shortList], ['user', 'licenses', L.shortList], ['user', 'features', L.shortList], ['user', 'supportContactFor', L.shortList],
];

const clone = <T>(v: T): T => structuredClone(v);
const getAt = (obj: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], obj);
function setAt(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let o = obj as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys[keys.length - 1]] = value;
  return obj;
}

/** A value of exactly `length` characters that the field would otherwise accept (an address stays an address). */
function ofLength(kind: string, path: string, length: number): string {
  const field = path.split('.').pop()!;
  if (field === 'email') return `${'a'.repeat(64)}@${'d'.repeat(Math.max(1, length - 64 - 1 - 8))}.example`.slice(0, Math.max(length, 1));
  const original = String(getAt(BASE[kind], path));
  return (original + 'x'.repeat(length)).slice(0, length);
}

describe('import field limits', () => {
  test('when a user line carries an 8 MB display name, then that line is refused naming displayName and every other line is kept', async () => {
    const store = new EmbeddedStore(':memory:');
    try {
      const huge = { ...BASE.user, displayName: 'A'.repeat(8 * 1024 * 1024) };
      const other = { ...BASE.user, id: 'c0c0c0c0-1111-4222-8333-444444444444', email: 'paul@dupre.example', displayName: 'Paul' };
      const file = [BASE.partner, BASE.org, huge, other, { ...BASE.device, ownerUserId: null }].map((r) => JSON.stringify(r)).join('\n');

      const summary = await importNdjson(store, Readable.from([Buffer.from(file)]));

      expect(summary.failed).toEqual([{ line: 3, reason: `displayName: must be at most ${L.name} characters` }]);
      expect(summary.imported).toMatchObject({ partner: 1, org: 1, user: 1, device: 1 });
      expect(await store.users.get('p-north', USER_ID)).toBeNull();
      expect((await store.users.get('p-north', 'c0c0c0c0-1111-4222-8333-444444444444'))?.displayName).toBe('Paul');
    } finally {
      await store.close();
    }
  });

  test.each(STRING_FIELDS)('when %s.%s is one character past its limit, then the line is refused naming the field; at the limit it is kept',
    (kind, path, max) => {
      const atLimit = parseImportRecord(setAt(clone(BASE[kind]), path, ofLength(kind, path, max)));
      const past = parseImportRecord(setAt(clone(BASE[kind]), path, ofLength(kind, path, max + 1)));

      // Dates and addresses at their ceiling are not valid dates or addresses; only the length matters for them.
      if (!/(createdAt|date|start|end|at|since)$/.test(path)) expect(atLimit).toMatchObject({ ok: true });
      expect(past.ok).toBe(false);
      expect(!past.ok && past.reason).toContain(`${path}: must be at most ${max} characters`);
    });

  test.each(LIST_FIELDS)('when %s.%s has one item past its limit, then the line is refused naming the list', (kind, path, max) => {
    const item = (getAt(BASE[kind], path) as unknown[])[0];
    const atLimit = parseImportRecord(setAt(clone(BASE[kind]), path, Array.from({ length: max }, () => clone(item))));
    const past = parseImportRecord(setAt(clone(BASE[kind]), path, Array.from({ length: max + 1 }, () => clone(item))));

    expect(atLimit).toMatchObject({ ok: true });
    expect(!past.ok && past.reason).toBe(`${path}: must have at most ${max} items`);
  });

  test('when an org has too many settings or a setting name is too long, then the line is refused naming settings', () => {
    const many = Object.fromEntries(Array.from({ length: L.shortList + 1 }, (_, i) => [`k${i}`, 'v']));
    const r1 = parseImportRecord({ ...BASE.org, settings: many });
    const r2 = parseImportRecord({ ...BASE.org, settings: { ['k'.repeat(L.settingKey + 1)]: 'v' } });

    expect(!r1.ok && r1.reason).toBe(`settings: must have at most ${L.shortList} items`);
    expect(!r2.ok && r2.reason).toMatch(/^settings/);
  });

  test('when any field of any record gets any string, however long, then the parser never throws and a refusal names the field', () => {
    fc.assert(fc.property(
      fc.constantFrom(...STRING_FIELDS),
      fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 20_000 })).map(([s, n]) => s.repeat(n))),
      ([kind, path, max], value) => {
        const result = parseImportRecord(setAt(clone(BASE[kind]), path, value));
        if (value.trim().length > max) {
          expect(result.ok).toBe(false);
          expect(!result.ok && result.reason).toContain(`${path}: `);
        }
        if (!result.ok) expect(result.reason.length).toBeLessThan(2000);
      },
    ), { numRuns: 300 });
  });
});

describe('mail webhook field limits', () => {
  const SECRET = 'whsec-northwind-mail-provider-0123456789';

  test('when the provider sends an event with an over-long detail, then nothing is stored and the error names the field', async () => {
    const t = await buildTestApp({ env: { MAIL_WEBHOOK_SECRET: SECRET } });
    try {
      const raw = JSON.stringify([
        { email: 'a@dupre.example', type: 'bounce', messageKind: 'welcome', at: t.clock.now().toISOString(), detail: 'ok' },
        { email: 'b@dupre.example', type: 'bounce', messageKind: 'welcome', at: t.clock.now().toISOString(), detail: 'x'.repeat(100_000) },
      ]);
      const ts = String(Math.floor(t.clock.now().getTime() / 1000));

      const res = await request(t.app).post(WEBHOOK_PATH).set('Content-Type', 'application/json')
        .set(TIMESTAMP_HEADER, ts).set(SIGNATURE_HEADER, signMailEvent(SECRET, ts, raw)).send(raw);

      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('detail');
      expect(JSON.stringify(res.body)).toContain(`at most ${L.detail} characters`);
      expect(await t.store.suppressions.get('b@dupre.example')).toBeNull();
    } finally {
      await t.close();
    }
  });
});
