import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { ManualClock } from '../../src/clock';
import { DEMO_IDS, type DemoRecord, generateDemoData } from '../../src/demo/demo-data';
import { DEMO_AGENTS, seedDemo } from '../../src/demo/seed-demo';
import { createAuthService } from '../../src/features/auth/auth.service';
import { type ImportRecord, parseImportRecord } from '../../src/import/import.schema';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';

// The example lines of the import format (src/import/import.schema.ts), verbatim.
const SPEC_LINES = [
  '{"kind":"partner","id":"p-north","name":"Northwind Partners"}',
  '{"kind":"org","id":"0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11","partnerId":"p-north","name":"Boulangerie Dupré SARL","status":"active","createdAt":"2023-04-01T10:00:00Z","domains":[{"name":"dupre.example","claimed":true,"verified":true}],"sites":[{"url":"dupre.webex.com","type":"meetings","status":"active"}],"orders":[{"number":"WO-48213379","product":"Webex Meetings","status":"provisioned","date":"2023-03-28"}],"subscriptions":[{"id":"Sub-100231","plan":"Webex Suite","status":"active","start":"2023-04-01","end":"2026-03-31","licenses":[{"sku":"MEET-ENT","name":"Meetings Enterprise","quantity":50,"used":37}]}],"supportPlan":{"tier":"enterprise","region":"emea"},"settings":{"sso":"enabled","directorySync":"off"}}',
  '{"kind":"user","id":"5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f","orgId":"0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11","email":"helene.dupre@dupre.example","firstName":"Hélène","lastName":"Dupré","displayName":"Hélène Dupré","phone":"+33612345678","status":"active","createdAt":"2023-04-02T08:00:00Z","roles":["full_admin"],"licenses":["MEET-ENT"],"features":["meetings","messaging"],"supportContactFor":["Webex Meetings"],"lastEmail":{"kind":"welcome","status":"bounced","at":"2023-04-02T08:01:00Z","detail":"550 5.1.1 mailbox unavailable"}}',
  '{"kind":"device","id":"9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d","orgId":"0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11","ownerUserId":"5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f","displayName":"Salle Rivoli","model":"Room Kit","serial":"FOC2231X0QZ","mac":"00:1A:2B:3C:4D:5E","status":"online"}',
  '{"kind":"suppression","email":"helene.dupre@dupre.example","reason":"hard_bounce","since":"2023-04-02T08:01:00Z","detail":"550 5.1.1 mailbox unavailable"}',
  '{"kind":"email_event","email":"helene.dupre@dupre.example","type":"bounce","messageKind":"welcome","at":"2023-04-02T08:01:00Z","detail":"550 5.1.1 mailbox unavailable"}',
];

const parse = (value: unknown): ImportRecord => {
  const parsed = parseImportRecord(value);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.record;
};
const of = <K extends DemoRecord['kind']>(records: DemoRecord[], kind: K) =>
  records.filter((r): r is Extract<DemoRecord, { kind: K }> => r.kind === kind);

describe('generateDemoData', () => {
  const records = [...generateDemoData({})];
  const orgs = of(records, 'org');
  const users = of(records, 'user');
  const devices = of(records, 'device');

  it('when called twice with the same seed, then the records are identical', () => {
    const a = JSON.stringify([...generateDemoData({ orgs: 40, users: 300, seed: 7 })]);
    const b = JSON.stringify([...generateDemoData({ orgs: 40, users: 300, seed: 7 })]);

    expect(a).toBe(b);
  });

  it('when the seed differs, then the data differs', () => {
    const a = JSON.stringify([...generateDemoData({ orgs: 40, users: 300, seed: 7 })]);
    const b = JSON.stringify([...generateDemoData({ orgs: 40, users: 300, seed: 8 })]);

    expect(a).not.toBe(b);
  });

  it('when given no sizes, then it makes the first-start set of 300 orgs and 3000 users over two partners', () => {
    expect(orgs).toHaveLength(300);
    expect(users).toHaveLength(3000);
    expect(of(records, 'partner')).toEqual([
      { kind: 'partner', id: 'p-north', name: 'Northwind Partners' },
      { kind: 'partner', id: 'p-south', name: 'Southwind Partners' },
    ]);
    expect(orgs.filter((o) => o.partnerId === 'p-north').length).toBeGreaterThan(60);
    expect(orgs.filter((o) => o.partnerId === 'p-south').length).toBeGreaterThan(60);
    expect(devices.length / users.length).toBeGreaterThan(0.25);
    expect(devices.length / users.length).toBeLessThan(0.42);
  });

  it('when every record goes through JSON and the import schema, then each one passes unchanged', () => {
    for (const record of records) {
      expect(parse(JSON.parse(JSON.stringify(record)))).toEqual(record);
    }
  });

  it('when generated, then it holds the example records of the import format exactly', () => {
    for (const line of SPEC_LINES) {
      const expected = parse(JSON.parse(line));
      const key = (r: DemoRecord | typeof expected) => `${r.kind}:${'id' in r ? r.id : r.email}`;
      expect(records.find((r) => key(r) === key(expected))).toEqual(expected);
    }
  });

  it('when a newcomer tries the customer portal on the example org, then it has a second full admin whose mail is not suppressed', () => {
    const admins = of(records, 'user').filter((u) => u.orgId === DEMO_IDS.dupreOrg && u.roles.includes('full_admin'));
    const suppressed = new Set(of(records, 'suppression').map((s) => s.email));
    expect(admins.map((a) => a.email)).toContain('helene.dupre@dupre.example');
    expect(admins.filter((a) => !suppressed.has(a.email) && a.lastEmail?.status !== 'bounced')).not.toHaveLength(0);
  });

  it('when generated, then a look-alike of the example org exists under the other partner', () => {
    expect(orgs.find((o) => o.id === DEMO_IDS.dupreOrg)).toMatchObject({ partnerId: 'p-north' });
    expect(orgs.find((o) => o.id === DEMO_IDS.dupontOrg)).toMatchObject({ partnerId: 'p-south', name: 'Boulangerie Dupont' });
    expect(users.find((u) => u.id === DEMO_IDS.dupontUser)).toMatchObject({ displayName: 'Hélène Dupont', orgId: DEMO_IDS.dupontOrg });
  });

  it('when generated, then every record comes after what it refers to, so the importer takes it in one pass', () => {
    const seen = new Set<string>();
    for (const r of records) {
      if (r.kind === 'org') expect(seen.has(r.partnerId)).toBe(true);
      if (r.kind === 'user') expect(seen.has(r.orgId)).toBe(true);
      if (r.kind === 'device') {
        expect(seen.has(r.orgId)).toBe(true);
        if (r.ownerUserId) expect(seen.has(r.ownerUserId)).toBe(true);
      }
      if ('id' in r) seen.add(r.id);
    }
  });

  it('when generated, then names carry accents and emails are their plain form on the org domain', () => {
    const names = users.map((u) => u.displayName).join(' ');
    for (const accented of ['é', 'ü', 'ñ', 'ë', 'ō']) expect(names).toContain(accented);
    const domains = new Map(orgs.map((o) => [o.id, o.domains[0].name]));
    for (const u of users) {
      expect(u.email).toMatch(/^[a-z0-9.]+@[a-z0-9.-]+$/);
      expect(u.email.endsWith(`@${domains.get(u.orgId)}`)).toBe(true);
    }
    expect(users.find((u) => u.lastName === 'Müller')?.email).toMatch(/\.muller\d*@/);
  });

  it('when generated, then every phone is a valid E.164 number, from several countries', () => {
    const countries = new Set<string>();
    for (const u of users.filter((x) => x.phone)) {
      const phone = parsePhoneNumberFromString(u.phone);
      expect({ phone: u.phone, valid: phone?.isValid() ?? false }).toEqual({ phone: u.phone, valid: true });
      countries.add(phone!.country!);
    }
    expect([...countries].sort()).toEqual(expect.arrayContaining(['AU', 'DE', 'ES', 'FR', 'GB', 'JP', 'US']));
  });

  it('when generated, then orgs show the variety the pages need', () => {
    const subs = orgs.flatMap((o) => o.subscriptions);
    const licenses = subs.flatMap((s) => s.licenses);
    const soon = subs.filter((s) => s.end > '2026-11-22' && s.end <= '2026-12-22');
    expect(new Set(orgs.map((o) => o.status))).toEqual(new Set(['active', 'trial', 'suspended']));
    expect(new Set(orgs.map((o) => o.supportPlan!.tier))).toEqual(new Set(['online', 'business', 'enterprise', 'elite']));
    expect(new Set(orgs.map((o) => o.supportPlan!.region))).toEqual(new Set(['americas', 'emea', 'apac', 'japan']));
    expect(soon.length).toBeGreaterThan(10);
    expect(licenses.some((l) => l.used > l.quantity)).toBe(true);
    expect(orgs.every((o) => o.sites.every((s) => /^[a-z0-9-]+\.webex\.com$/.test(s.url)))).toBe(true);
    expect(orgs.every((o) => o.orders.every((w) => /^WO-\d{8}$/.test(w.number)))).toBe(true);
    expect(new Set(orgs.flatMap((o) => o.orders.map((w) => w.number))).size).toBe(orgs.flatMap((o) => o.orders).length);
    expect(orgs.some((o) => o.domains.some((d) => d.claimed && !d.verified))).toBe(true);
  });

  it('when generated, then users and devices show the variety the pages need', () => {
    const firstOfOrg = new Map<string, (typeof users)[number]>();
    for (const u of users) if (!firstOfOrg.has(u.orgId)) firstOfOrg.set(u.orgId, u);
    expect([...firstOfOrg.values()].every((u) => u.roles.includes('full_admin'))).toBe(true);
    const roles = new Set(users.flatMap((u) => u.roles));
    expect(roles).toEqual(new Set(['full_admin', 'read_only_admin', 'support_admin']));
    expect(new Set(users.map((u) => u.status))).toEqual(new Set(['active', 'pending', 'inactive']));
    expect(new Set(users.map((u) => u.lastEmail?.status))).toEqual(new Set(['delivered', 'bounced', 'deferred', 'suppressed', undefined]));
    for (const model of ['Room Kit', 'Desk Pro', 'Board 55']) expect(devices.some((d) => d.model === model)).toBe(true);
    expect(devices.every((d) => /^FOC\d{4}[A-Z][0-9A-Z]{3}$/.test(d.serial))).toBe(true);
    expect(devices.every((d) => /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/.test(d.mac))).toBe(true);
    expect(new Set(devices.map((d) => d.serial)).size).toBe(devices.length);
  });

  it('when sizes are small, then the example records are still there and the sizes are kept', () => {
    const small = [...generateDemoData({ orgs: 5, users: 12, seed: 3 })];

    expect(of(small, 'org')).toHaveLength(5);
    expect(of(small, 'user')).toHaveLength(12);
    expect(small.some((r) => 'id' in r && r.id === DEMO_IDS.dupreUser)).toBe(true);
    expect(small.some((r) => 'id' in r && r.id === DEMO_IDS.dupontUser)).toBe(true);
  });
});

describe('seedDemo', () => {
  let store: EmbeddedStore;
  beforeEach(() => { store = new EmbeddedStore(':memory:'); });
  afterEach(async () => { await store.close(); });

  it('when the store is empty, then the demo data is imported and each demo agent gets a random password', async () => {
    const auth = createAuthService(store, new ManualClock(), 10);

    const result = await seedDemo({ store, auth, orgs: 6, users: 30, seed: 2 });

    expect(result.counts).toMatchObject({ partner: 2, org: 6, user: 30 });
    expect(await store.users.count()).toBe(30);
    expect(result.accounts.map((a) => a.email)).toEqual(DEMO_AGENTS.map((a) => a.email));
    for (const account of result.accounts) {
      expect(account.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(await auth.signIn(account.email, account.password!)).toMatchObject({ ok: true });
    }
    expect(new Set(result.accounts.map((a) => a.password)).size).toBe(4);
  });

  it('when the demo agents exist already, then they are left untouched and no password is returned', async () => {
    const auth = createAuthService(store, new ManualClock(), 10);
    const first = await seedDemo({ store, auth, orgs: 3, users: 6 });

    const second = await seedDemo({ store, auth, orgs: 3, users: 6 });

    expect(second.accounts.every((a) => a.password === null)).toBe(true);
    expect(await auth.signIn(first.accounts[0].email, first.accounts[0].password!)).toMatchObject({ ok: true });
    expect(await store.users.count()).toBe(6);
  });
});
