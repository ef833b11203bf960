import fc from 'fast-check';
import { Readable } from 'node:stream';
import { ImportStoppedError, importNdjson } from '../../src/import/importer';
import { IMPORT_KINDS } from '../../src/import/import.schema';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';

const ORG_ID = '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11';
const USER_ID = '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f';
const UNKNOWN_ORG_ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

const partner = (over: object = {}) => ({ kind: 'partner', id: 'p-north', name: 'Northwind Partners', ...over });
const org = (over: object = {}) => ({
  kind: 'org', id: ORG_ID, partnerId: 'p-north', name: 'Boulangerie Dupré SARL', status: 'active',
  createdAt: '2023-04-01T10:00:00Z', supportPlan: { tier: 'enterprise', region: 'emea' }, ...over,
});
const user = (over: object = {}) => ({
  kind: 'user', id: USER_ID, orgId: ORG_ID, email: 'helene.dupre@dupre.example', firstName: 'Hélène',
  lastName: 'Dupré', displayName: 'Hélène Dupré', status: 'active', createdAt: '2023-04-02T08:00:00Z',
  roles: ['full_admin'], ...over,
});
const device = (over: object = {}) => ({
  kind: 'device', id: '9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d', orgId: ORG_ID, ownerUserId: USER_ID,
  displayName: 'Salle Rivoli', model: 'Room Kit', serial: 'FOC2231X0QZ', mac: '00:1A:2B:3C:4D:5E', status: 'online', ...over,
});

async function* lines(items: Array<object | string>): AsyncIterable<string> {
  for (const item of items) yield typeof item === 'string' ? item : JSON.stringify(item);
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('importNdjson', () => {
  let store: EmbeddedStore;
  beforeEach(() => { store = new EmbeddedStore(':memory:'); });
  afterEach(async () => { await store.close(); });

  it('when SQLite itself runs out of room mid-import, then the error counts the records saved and names the line to resume from', async () => {
    const users = Array.from({ length: 3000 }, (_, i) => user({
      id: `${USER_ID.slice(0, 24)}${String(i).padStart(12, '0')}`, email: `user${i}@dupre.example`, displayName: `User ${i} ${'x'.repeat(180)}`,
    }));
    // A database that may not grow past a few pages more: SQLite answers SQLITE_FULL, as on a full disk.
    await importNdjson(store, lines([partner(), org()]));
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 200}`);

    const err = await importNdjson(store, lines(users)).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ImportStoppedError);
    const stopped = err as ImportStoppedError;
    expect(stopped.diskFull).toBe(true);
    expect(stopped.message).toMatch(/^import stopped at line \d+: .*SQLITE_FULL/);
    const saved = total(stopped.summary.imported);
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBe(await store.users.count());
    expect(stopped.resumeLine).toBe(saved + 1);
    expect(stopped.line).toBeGreaterThanOrEqual(stopped.resumeLine);
  });

  it('when a file mixes good and bad lines, then every good line is kept and each bad line is named with its number and reason', async () => {
    const input = lines([
      partner(),
      org(),
      '{"kind":"user",',
      { kind: 'customer', id: 'x' },
      user({ id: 'c0c0c0c0-1111-4222-8333-444444444444', status: 'enabled' }),
      user({ id: 'd0d0d0d0-1111-4222-8333-444444444444', email: 'b@dupre.example', createdAt: 'yesterday' }),
      user({ id: 'e0e0e0e0-1111-4222-8333-444444444444', email: 'c@dupre.example', orgId: UNKNOWN_ORG_ID }),
      user(),
      device(),
    ]);

    const summary = await importNdjson(store, input);

    expect(summary.lines).toBe(9);
    expect(summary.imported).toEqual({ partner: 1, org: 1, user: 1, device: 1, suppression: 0, email_event: 0, delete: 0 });
    expect(summary.failed.map((f) => f.line)).toEqual([3, 4, 5, 6, 7]);
    const reasons = summary.failed.map((f) => f.reason);
    expect(reasons[0]).toMatch(/^invalid JSON: /);
    expect(reasons[1]).toBe('kind: unknown kind "customer" (expected one of partner, org, user, device, suppression, email_event, delete)');
    expect(reasons[2]).toMatch(/^status: Invalid option: expected one of "active"\|"pending"\|"inactive"/);
    expect(reasons[3]).toMatch(/^createdAt: must be an ISO 8601 date-time/);
    expect(reasons[4]).toBe(`orgId: no org with id ${UNKNOWN_ORG_ID} (orgs must come before their users and devices)`);
    expect(await store.users.get('p-north', USER_ID)).toMatchObject({ displayName: 'Hélène Dupré', partnerId: 'p-north' });
    expect(await store.devices.get('p-north', device().id)).toMatchObject({ displayName: 'Salle Rivoli' });
  });

  it('when one line has several problems, then each is named as field.path: message', async () => {
    const bad = org({ status: 'closed', domains: [{ name: 'dupre.example', claimed: 'yes' }], supportPlan: { tier: 'gold', region: 'emea' } });

    const summary = await importNdjson(store, lines([partner(), bad]));

    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0].line).toBe(2);
    expect(summary.failed[0].reason).toContain('status: Invalid option');
    expect(summary.failed[0].reason).toContain('domains.0.claimed: Invalid input: expected boolean');
    expect(summary.failed[0].reason).toContain('supportPlan.tier: Invalid option');
  });

  it('when a date is not a real calendar date, then the line fails naming the field', async () => {
    const bad = org({ subscriptions: [{ id: 'Sub-1', start: '2023-02-30', end: '2024-01-01' }] });

    const summary = await importNdjson(store, lines([partner(), bad]));

    expect(summary.failed).toEqual([{ line: 2, reason: expect.stringMatching(/^subscriptions\.0\.start: must be an ISO 8601 date/) }]);
  });

  it('when a user comes before its org, then it fails saying orgs come first, and importing the file again fixes it', async () => {
    const file = [partner(), user(), org()];

    const first = await importNdjson(store, lines(file));
    const second = await importNdjson(store, lines(file));

    expect(first.failed).toEqual([{ line: 2, reason: expect.stringContaining('orgs must come before their users and devices') }]);
    expect(second.failed).toEqual([]);
    expect(await store.users.count()).toBe(1);
  });

  it('when a record is imported again with the same id, then it is updated in place', async () => {
    await importNdjson(store, lines([partner(), org(), user()]));

    const summary = await importNdjson(store, lines([
      org({ name: 'Boulangerie Dupré & Fils' }),
      user({ email: 'Helene.Dupre@Dupre-Fils.example', roles: [] }),
    ]));

    expect(summary.failed).toEqual([]);
    expect(await store.orgs.count()).toBe(1);
    expect(await store.users.count()).toBe(1);
    expect((await store.orgs.get('p-north', ORG_ID))?.name).toBe('Boulangerie Dupré & Fils');
    expect(await store.users.get('p-north', USER_ID)).toMatchObject({ email: 'helene.dupre@dupre-fils.example', roles: [] });
  });

  it('when a user line carries a partnerId, then it is ignored and the partner comes from the org', async () => {
    const summary = await importNdjson(store, lines([
      partner(), partner({ id: 'p-south', name: 'Southwind Partners' }), org(), user({ partnerId: 'p-south' }),
    ]));

    expect(summary.failed).toEqual([]);
    expect(await store.users.get('p-south', USER_ID)).toBeNull();
    expect(await store.users.get('p-north', USER_ID)).toMatchObject({ partnerId: 'p-north' });
  });

  it('when lists, optional fields and unknown keys are absent or extra, then defaults apply and the extras are dropped', async () => {
    await importNdjson(store, lines([partner(), org({ crmId: 42 }), user({ displayName: undefined, nickname: 'Léna' })]));

    const stored = await store.orgs.get('p-north', ORG_ID);
    const storedUser = await store.users.get('p-north', USER_ID);
    expect(stored).toMatchObject({ domains: [], sites: [], orders: [], subscriptions: [], settings: {} });
    expect(stored).not.toHaveProperty('crmId');
    expect(stored).not.toHaveProperty('kind');
    expect(storedUser).toMatchObject({ displayName: 'Hélène Dupré', phone: '', licenses: [], lastEmail: null });
    expect(storedUser).not.toHaveProperty('nickname');
  });

  it('when lines are blank, then they are skipped but still counted, so line numbers match the file', async () => {
    const summary = await importNdjson(store, Readable.from([Buffer.from('\r\n   \n{"kind":"partner"}\r\n\n')]));

    expect(summary.lines).toBe(4);
    expect(summary.failed).toEqual([{ line: 3, reason: expect.stringMatching(/^id: /) }]);
  });

  it('when the input is a byte stream with a byte order mark and CRLF line ends, then each line is read', async () => {
    const text = `\uFEFF${JSON.stringify(partner())}\r\n${JSON.stringify(org())}\r\n`;

    const summary = await importNdjson(store, Readable.from([Buffer.from(text)]));

    expect(summary.failed).toEqual([]);
    expect(summary.imported).toMatchObject({ partner: 1, org: 1 });
  });

  it('when suppression and email_event lines are valid, then they are imported, and invalid ones fail', async () => {
    const summary = await importNdjson(store, lines([
      { kind: 'suppression', email: 'helene.dupre@dupre.example', reason: 'hard_bounce', since: '2023-04-02T08:01:00Z', detail: '550 5.1.1' },
      { kind: 'email_event', email: 'helene.dupre@dupre.example', type: 'bounce', messageKind: 'welcome', at: '2023-04-02T08:01:00Z' },
      { kind: 'suppression', email: 'not-an-email', reason: 'spam', since: '2023-04-02' },
    ]));

    expect(summary.imported).toMatchObject({ suppression: 1, email_event: 1 });
    expect(total(summary.deferred)).toBe(0);
    expect(await store.suppressions.get('helene.dupre@dupre.example')).toMatchObject({ reason: 'hard_bounce', detail: '550 5.1.1' });
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0].reason).toContain('email: must be an email address');
    expect(summary.failed[0].reason).toContain('reason: Invalid option');
    expect(summary.failed[0].reason).toContain('since: must be an ISO 8601 date-time with a time zone');
  });

  it('when a line is JSON but not an object, then it fails as not a JSON object', async () => {
    const summary = await importNdjson(store, lines(['[1,2]', 'null', '"org"']));

    expect(summary.failed.map((f) => f.reason)).toEqual(['not a JSON object', 'not a JSON object', 'not a JSON object']);
  });

  it('when progress is asked for, then the last report has every line and byte read', async () => {
    const text = `${JSON.stringify(partner())}\n${JSON.stringify(org())}\n`;
    const reports: Array<{ lines: number; bytes: number; totalBytes?: number }> = [];

    await importNdjson(store, Readable.from([Buffer.from(text)]), { totalBytes: Buffer.byteLength(text), onProgress: (p) => reports.push(p) });

    expect(reports.at(-1)).toEqual({ lines: 2, bytes: Buffer.byteLength(text), totalBytes: Buffer.byteLength(text) });
  });

  it('when lines are arbitrary, then the import never throws and every non-blank line is imported, deferred or reported', async () => {
    const validLines = [partner(), org(), user(), device()].map((r) => JSON.stringify(r));
    const recordish = fc.record({
      kind: fc.constantFrom(...IMPORT_KINDS, 'nope'),
      id: fc.oneof(fc.uuid(), fc.string()),
      orgId: fc.oneof(fc.constant(ORG_ID), fc.uuid()),
      partnerId: fc.constantFrom('p-north', 'p-none'),
      name: fc.string(),
      email: fc.oneof(fc.emailAddress(), fc.string()),
      status: fc.constantFrom('active', 'trial', 'pending', 'weird'),
      createdAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
      displayName: fc.string(),
    }, { requiredKeys: ['kind'] }).map((r) => JSON.stringify(r));
    const line = fc.oneof(fc.string({ unit: 'binary' }), fc.json(), recordish, fc.constantFrom(...validLines));

    await fc.assert(fc.asyncProperty(fc.array(line, { maxLength: 30 }), async (input) => {
      const s = new EmbeddedStore(':memory:');
      try {
        const summary = await importNdjson(s, lines(input));

        const nonBlank = input.filter((l, i) => (i === 0 ? l.replace(/^\uFEFF/, '') : l).trim() !== '').length;
        expect(summary.lines).toBe(input.length);
        expect(total(summary.imported) + total(summary.deferred) + summary.failed.length).toBe(nonBlank);
        for (const f of summary.failed) expect(f.reason.length).toBeGreaterThan(0);
      } finally {
        await s.close();
      }
    }), { numRuns: 100 });
  });
});
