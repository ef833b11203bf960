import request from 'supertest';
import {
  SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_PATH, WEBHOOK_WINDOW_MS, signMailEvent,
} from '../../src/features/suppression/mail-webhook.routes';
import type { UserInput } from '../../src/store/store';
import * as f from '../helpers/factories';
import { loadConfig } from '../../src/config';
import { buildTestApp, tempDir, type TestApp } from '../helpers/test-app';

const SECRET = 'whsec-northwind-mail-provider-0123456789';
const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const EMAIL = 'helene.dupre@dupre.example';

const bounce = (over: object = {}) => ({
  email: EMAIL, type: 'bounce', messageKind: 'welcome', at: '2026-01-15T09:58:00Z', detail: '550 5.1.1 mailbox unavailable', ...over,
});

describe('mail provider webhook', () => {
  let t: TestApp;
  let user: UserInput;

  beforeEach(async () => {
    t = await buildTestApp({ env: { MAIL_WEBHOOK_SECRET: SECRET } });
    t.clock.set('2026-01-15T10:00:00Z');
    await t.store.partners.upsert(PARTNER);
    const org = f.org(PARTNER.id);
    await t.store.orgs.upsert(org);
    user = f.user(org.id, { email: EMAIL });
    await t.store.users.upsert(user);
  });
  afterEach(() => t.close());

  const seconds = () => String(Math.floor(t.clock.now().getTime() / 1000));

  /** A call as the provider makes it: the raw body, signed with the shared secret at `timestamp`. */
  function call(body: unknown, opts: { timestamp?: string; secret?: string; sendBody?: string; signature?: string } = {}) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = opts.timestamp ?? seconds();
    return request(t.app).post(WEBHOOK_PATH)
      .set('Content-Type', 'application/json')
      .set(TIMESTAMP_HEADER, timestamp)
      .set(SIGNATURE_HEADER, opts.signature ?? signMailEvent(opts.secret ?? SECRET, timestamp, raw))
      .send(opts.sendBody ?? raw);
  }

  const stored = async () => ({
    lastEmail: (await t.store.users.get(PARTNER.id, user.id))!.lastEmail,
    suppression: await t.store.suppressions.get(EMAIL),
    event: await t.store.emailEvents.latest(EMAIL),
  });
  const unchanged = { lastEmail: null, suppression: null, event: null };

  test('when a signed bounce arrives, then the address is suppressed and the last email is bounced with its diagnostic', async () => {
    const res = await call(bounce()).expect(200);

    expect(res.body).toEqual({ received: 1, applied: 1 });
    expect(await stored()).toMatchObject({
      lastEmail: { kind: 'welcome', status: 'bounced', at: '2026-01-15T09:58:00.000Z', detail: '550 5.1.1 mailbox unavailable' },
      suppression: { email: EMAIL, reason: 'hard_bounce', since: '2026-01-15T09:58:00.000Z', detail: '550 5.1.1 mailbox unavailable' },
    });
  });

  test('when a signed complaint arrives, then the address is suppressed for a complaint', async () => {
    await call(bounce({ type: 'complaint', detail: 'abuse report' })).expect(200);
    expect((await stored()).suppression).toMatchObject({ reason: 'complaint', detail: 'abuse report' });
  });

  test('when delivery and deferral events arrive in a batch, then the last email follows the newest and nothing is suppressed', async () => {
    const res = await call([
      bounce({ type: 'deferral', at: '2026-01-15T09:50:00Z', detail: '421 try later' }),
      bounce({ type: 'delivery', at: '2026-01-15T09:55:00Z', detail: '250 ok' }),
    ]).expect(200);

    expect(res.body).toEqual({ received: 2, applied: 2 });
    expect(await stored()).toMatchObject({ lastEmail: { status: 'delivered', detail: '250 ok' }, suppression: null });
  });

  test('when an older event arrives after a newer one, then it does not overwrite the newer last email', async () => {
    await call(bounce({ type: 'delivery', at: '2026-01-15T09:59:00Z', detail: '250 ok' })).expect(200);
    t.clock.advance(1000);
    await call(bounce({ at: '2026-01-15T09:40:00Z' })).expect(200);

    const now = await stored();
    expect(now.lastEmail).toMatchObject({ status: 'delivered', at: '2026-01-15T09:59:00.000Z' });
    // The mailbox took mail after that bounce: it is not suppressed for it.
    expect(now.suppression).toBeNull();
  });

  test('when the call has no signature headers, then it answers 401 and changes nothing', async () => {
    const res = await request(t.app).post(WEBHOOK_PATH).set('Content-Type', 'application/json').send(JSON.stringify(bounce())).expect(401);

    expect(res.body.error.code).toBe('unauthorized');
    expect(res.body.error.message).toMatch(/Unsigned call/);
    expect(await stored()).toEqual(unchanged);
  });

  test('when the signature was made with another secret, then it answers 401 and changes nothing', async () => {
    const res = await call(bounce(), { secret: 'not-the-shared-secret-but-as-long-as-it' }).expect(401);
    expect(res.body.error.message).toBe('The signature does not match the body.');
    expect(await stored()).toEqual(unchanged);
  });

  test('when the body was changed after signing, then it answers 401 and changes nothing', async () => {
    const signed = JSON.stringify(bounce({ type: 'delivery' }));
    await call(signed, { sendBody: JSON.stringify(bounce()) }).expect(401);
    expect(await stored()).toEqual(unchanged);
  });

  test('when the signature header is malformed, then it answers 401', async () => {
    await call(bounce(), { signature: 'sha256=nothex' }).expect(401);
    await call(bounce(), { signature: signMailEvent(SECRET, seconds(), JSON.stringify(bounce())).slice(7) }).expect(401);
    expect(await stored()).toEqual(unchanged);
  });

  test('when the timestamp is more than 5 minutes off either way, then it answers 401 and changes nothing', async () => {
    const now = t.clock.now().getTime();
    const at = (ms: number) => String(Math.floor(ms / 1000));

    const stale = await call(bounce(), { timestamp: at(now - WEBHOOK_WINDOW_MS - 1000) }).expect(401);
    expect(stale.body.error.message).toMatch(/more than 5 minutes/);
    await call(bounce(), { timestamp: at(now + WEBHOOK_WINDOW_MS + 1000) }).expect(401);
    expect(await stored()).toEqual(unchanged);

    await call(bounce(), { timestamp: at(now - WEBHOOK_WINDOW_MS + 1000) }).expect(200);
  });

  test('when the same signed call arrives twice, then the second is refused and changes nothing', async () => {
    const timestamp = seconds();
    await call(bounce(), { timestamp }).expect(200);
    // The agent clears the address; a replay of the captured call must not put it back.
    await t.store.suppressions.remove(EMAIL);
    t.clock.advance(60_000);

    const replay = await call(bounce(), { timestamp }).expect(409);

    expect(replay.body.error.message).toBe('This signed call was received already; nothing changed.');
    expect(await t.store.suppressions.get(EMAIL)).toBeNull();
    // Once out of the window, the same call is stale rather than a replay.
    t.clock.advance(WEBHOOK_WINDOW_MS);
    await call(bounce(), { timestamp }).expect(401);
    expect(await t.store.suppressions.get(EMAIL)).toBeNull();
  });

  test('when the provider sends the same event again in a new signed call, then it is received but applied once', async () => {
    await call(bounce()).expect(200);
    await t.store.suppressions.remove(EMAIL);
    t.clock.advance(1000);

    const again = await call(bounce()).expect(200);

    expect(again.body).toEqual({ received: 1, applied: 0 });
    expect(await t.store.suppressions.get(EMAIL)).toBeNull();
  });

  test('when a signed call has an invalid event, then it answers 400 and changes nothing', async () => {
    const res = await call(bounce({ type: 'opened', email: 'not-an-address' })).expect(400);
    expect(res.body.error.message).toMatch(/type/);
    await call('{"email":', {}).expect(400);
    expect(await stored()).toEqual(unchanged);
  });

  test('when the event names an address no user has, then the address is still suppressed', async () => {
    await call(bounce({ email: 'Nobody@Elsewhere.example' })).expect(200);
    expect(await t.store.suppressions.get('nobody@elsewhere.example')).toMatchObject({ reason: 'hard_bounce' });
  });

  test('when the same address belongs to users of two partners, then both users get the last email', async () => {
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    const southOrg = f.org('p-south');
    await t.store.orgs.upsert(southOrg);
    const twin = await t.store.users.upsert(f.user(southOrg.id, { email: EMAIL }));

    await call(bounce()).expect(200);

    expect((await t.store.users.get('p-south', twin.id))!.lastEmail).toMatchObject({ status: 'bounced' });
    expect((await stored()).lastEmail).toMatchObject({ status: 'bounced' });
  });

  test('when the configured secret is shorter than 32 characters, then start-up stops naming MAIL_WEBHOOK_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', DATA_DIR: tempDir(), MAIL_WEBHOOK_SECRET: 'too-short' }))
      .toThrow(/MAIL_WEBHOOK_SECRET: must be at least 32 characters/);
  });

  test('when no secret is configured, then the webhook answers 503 saying so, and changes nothing', async () => {
    const off = await buildTestApp();
    try {
      const raw = JSON.stringify(bounce());
      const res = await request(off.app).post(WEBHOOK_PATH).set('Content-Type', 'application/json')
        .set(TIMESTAMP_HEADER, seconds()).set(SIGNATURE_HEADER, signMailEvent(SECRET, seconds(), raw)).send(raw).expect(503);
      expect(res.body.error.message).toMatch(/MAIL_WEBHOOK_SECRET/);
    } finally {
      await off.close();
    }
  });
});
