// The call summary on the user page: what this agent did for this user in the last hour, to paste into a ticket.
import crypto from 'node:crypto';
import request from 'supertest';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';
import { createCallSummaryService } from '../../src/features/summary/call-summary.service';
import { translator } from '../../src/i18n/i18n';

describe('call summary', () => {
  let t: TestApp;
  let token: string;
  let org: ReturnType<typeof f.org>;
  let userId: string;
  const AGENT = 'agent@north.example';
  const EMAIL = 'helene.dupre@dupre.example';

  beforeEach(async () => {
    t = await buildTestApp();
    t.clock.set('2026-01-15T14:00:00Z');
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind Partners' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    org = f.org('p-north', { name: 'Boulangerie Dupré SARL' });
    await t.store.orgs.upsert(org);
    await t.store.users.upsert(f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', displayName: 'Hélène Dupré', email: 'admin@dupre.example', roles: ['full_admin'] }));
    userId = (await t.store.users.upsert(f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', displayName: 'Hélène Dupré', email: EMAIL }))).id;
    await t.addAgent('p-north', AGENT);
    await t.addAgent('p-north', 'colleague@north.example');
    await t.addAgent('p-south', 'agent@south.example');
    token = await t.apiToken(AGENT);
  });
  afterEach(() => t.close());

  const api = (method: 'get' | 'post', url: string, bearer = token) =>
    request(t.app)[method](`/api/v1${url}`).set('Authorization', `Bearer ${bearer}`);
  const at = (hhmm: string) => t.clock.set(`2026-01-15T${hhmm}:00Z`);

  async function verifyCaller() {
    const sent = await api('post', `/users/${userId}/verifications`).expect(202);
    const [mail] = await t.store.mailOutbox.listByPartner('p-north', { limit: 1, offset: 0 });
    const code = /(\d{4}) (\d{4})/.exec(mail!.text)!.slice(1).join('');
    await api('post', `/verifications/${sent.body.id}/check`).send({ code }).expect(200);
  }
  async function openReadOnlyView(reason: string) {
    await t.store.consentGrants.create({
      id: crypto.randomUUID(), orgId: org.id, partnerId: 'p-north', grantedBy: userId, grantedByEmail: 'admin@dupre.example',
      grantedAt: t.clock.now().toISOString(), expiresAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString(),
      revokedAt: null, revokedBy: null, requestId: null, lang: 'en',
    }, t.clock.now());
    await api('get', `/orgs/${org.id}/portal?reason=${encodeURIComponent(reason)}`).expect(200);
    await api('get', `/orgs/${org.id}/portal/users/${userId}?reason=${encodeURIComponent(reason)}`).expect(200);
  }
  const summaryOnPage = async (email = AGENT, lang = 'en') => {
    const page = await (await signIn(t.app, email)).get(`/users/${userId}`).set('Accept-Language', lang).expect(200);
    const m = /<textarea id="call-summary"[^>]*>([\s\S]*?)<\/textarea>/.exec(page.text);
    return { page: page.text, text: m ? m[1]! : null };
  };

  test('when the agent verified, cleared, resent, requested and opened the view, then the summary says each with its time and reason', async () => {
    at('14:02'); await verifyCaller();
    // A bounce arrives during the call (a code cannot be sent to a suppressed address).
    await t.store.suppressions.upsert({ email: EMAIL, reason: 'hard_bounce', since: '2026-01-15T14:03:00.000Z', detail: '550 mailbox unavailable' });
    at('14:05'); await api('post', `/users/${userId}/suppression/clear`).send({ reason: 'Mailbox fixed, ticket 4711' }).expect(200);
    at('14:06'); await api('post', `/users/${userId}/welcome-email`).expect(202);
    at('14:10'); await api('post', `/orgs/${org.id}/access-requests`).send({ reason: 'Check the SSO settings' }).expect(201);
    at('14:12'); await openReadOnlyView('SSO settings, ticket 4711');
    at('14:20');

    const { page, text } = await summaryOnPage();
    expect(text).toBe([
      'Caller: Hélène Dupré, helene.dupre@dupre.example, organization Boulangerie Dupré SARL.',
      'Verified by code at 14:02 UTC.',
      'Removed from the suppression list at 14:05 UTC, reason: Mailbox fixed, ticket 4711.',
      'Welcome email resent at 14:06 UTC.',
      'Read-only access to the organization requested at 14:10 UTC, reason: Check the SSO settings.',
      'Read-only view opened at 14:12 UTC, reason: SSO settings, ticket 4711.',
    ].join('\n'));
    // One copy button, bound to the summary by the shared copy-button contract.
    expect(page.match(/class="copy-button" data-copy-target="call-summary"/g)).toHaveLength(1);
  });

  test('when the agent reads in French, then the summary is in French', async () => {
    at('14:02'); await verifyCaller();
    at('14:03');
    const { text } = await summaryOnPage(AGENT, 'fr');
    expect(text).toBe('Appelant : Hélène Dupré, helene.dupre@dupre.example, organisation Boulangerie Dupré SARL.\nVérifié par code à 14:02 UTC.');
  });

  test('when a code was sent but not confirmed, or none was sent, then the summary says the caller is not verified', async () => {
    expect((await summaryOnPage()).text).toContain('\nNot verified by code.');
    at('14:02');
    const sent = await api('post', `/users/${userId}/verifications`).expect(202);
    await api('post', `/verifications/${sent.body.id}/check`).send({ code: '00000000' }).expect(200);
    expect((await summaryOnPage()).text).toContain('\nCode sent at 14:02 UTC, not verified.');
  });

  test('when the actions are over an hour old or were done by a colleague, then they are not in this agent’s summary', async () => {
    at('12:30'); await verifyCaller();
    at('13:40'); await api('post', `/users/${userId}/welcome-email`).expect(202);
    const colleague = await t.apiToken('colleague@north.example');
    await api('post', `/orgs/${org.id}/access-requests`, colleague).send({ reason: 'Colleague asked' }).expect(201);
    at('14:35');

    const mine = (await summaryOnPage()).text!;
    expect(mine).not.toContain('Verified by code');
    expect(mine).toContain('Welcome email resent at 13:40 UTC.');
    expect(mine).not.toContain('Colleague asked');
    expect((await summaryOnPage('colleague@north.example')).text).toContain('reason: Colleague asked.');
  });

  test('when JavaScript is off, then the summary is also plain text at its own address, and only for the agent’s own partner', async () => {
    at('14:02'); await verifyCaller();
    const agent = await signIn(t.app, AGENT);
    const res = await agent.get(`/users/${userId}/summary.txt`).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe('Caller: Hélène Dupré, helene.dupre@dupre.example, organization Boulangerie Dupré SARL.\nVerified by code at 14:02 UTC.\n');
    const page = await agent.get(`/users/${userId}`).expect(200);
    expect(page.text).toContain(`href="/users/${userId}/summary.txt"`);

    const foreign = await signIn(t.app, 'agent@south.example');
    const refused = await foreign.get(`/users/${userId}/summary.txt`).expect(404);
    expect(refused.text).not.toContain('Hélène');
  });

  test('when the agent’s time zone is known, then the times are in it, and an unknown zone falls back to UTC', async () => {
    at('14:02'); await verifyCaller();
    const agent = (await t.store.agents.getByEmail(AGENT))!;
    const principal = { kind: 'agent' as const, agentId: agent.id, partnerId: 'p-north', role: agent.role, email: AGENT, name: agent.name, via: 'session' as const };
    const summaries = createCallSummaryService(t.store, t.clock);
    const t_ = translator('en');
    expect(await summaries.forUser(principal, userId, t_, { timeZone: 'Europe/Paris' })).toContain('Verified by code at 15:02 Europe/Paris.');
    expect(await summaries.forUser(principal, userId, t_, { timeZone: 'Not/AZone' })).toContain('Verified by code at 14:02 UTC.');
  });
});
