// Partner administration: agents (invite, set password, role, disable), API tokens, the outbox.
import request from 'supertest';
import { INVITE_TTL_MS, maskSecrets } from '../../src/features/admin/admin.service';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

type Agent = Awaited<ReturnType<typeof signIn>>;

const inviteLink = async (t: TestApp, to: string) => {
  const mails = await t.store.mailOutbox.listByPartner('p-north', { limit: 50, offset: 0 });
  const mail = mails.find((m) => m.to === to && m.kind === 'agent_invite');
  const m = mail && /https?:\/\/\S+\/set-password\/([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!m) throw new Error(`no invitation mail to ${to}`);
  return `/set-password/${m[1]}`;
};

async function post(agent: Agent, page: string, path: string, body: Record<string, string>) {
  const csrf = csrfFrom((await agent.get(page).expect(200)).text);
  return agent.post(path).type('form').send({ ...body, _csrf: csrf });
}

describe('partner administration', () => {
  let t: TestApp;
  let admin: Agent;
  let adminId: string;

  beforeEach(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    adminId = (await t.addAgent('p-north', 'admin@north.example', 'partner_admin')).id;
    await t.addAgent('p-north', 'agent@north.example');
    await t.addAgent('p-south', 'agent@south.example');
    admin = await signIn(t.app, 'admin@north.example');
  });
  afterEach(() => t.close());

  test('when a help-desk agent opens /admin, then the answer is 403 and the nav has no Administration link', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    await agent.get('/admin').expect(403);
    const home = await agent.get('/').expect(200);
    expect(home.text).not.toContain('href="/admin"');
    expect((await admin.get('/').expect(200)).text).toContain('href="/admin"');
  });

  test('when the admin lists agents, then only the own partner\'s agents are shown', async () => {
    const res = await admin.get('/admin').expect(200);
    expect(res.text).toContain('agent@north.example');
    expect(res.text).not.toContain('agent@south.example');
  });

  test('when an agent is invited, then a single-use link valid 24 h sets a password of 12+ characters and sign-in works', async () => {
    const res = await post(admin, '/admin', '/admin/agents', { email: 'New.Agent@north.example', name: 'New Agent', role: 'helpdesk' });
    expect(res.status).toBe(303);
    const created = (await t.store.agents.getByEmail('new.agent@north.example'))!;
    expect(created).toMatchObject({ partnerId: 'p-north', role: 'helpdesk', passwordHash: null });
    // Before the password is set, nobody signs in as the invitee.
    await expect(signIn(t.app, 'new.agent@north.example', '')).rejects.toThrow();

    const link = await inviteLink(t, 'new.agent@north.example');
    const invitee = request.agent(t.app);
    const form = await invitee.get(link).expect(200);
    expect(form.headers['referrer-policy']).toBe('no-referrer');
    const csrf = csrfFrom(form.text);
    const short = await invitee.post(link).type('form').send({ password: 'short', confirm: 'short', _csrf: csrf });
    expect(short.status).toBe(400);
    expect(short.text).toContain('At least 12 characters');
    const pw = 'a long enough passphrase';
    await invitee.post(link).type('form').send({ password: pw, confirm: pw, _csrf: csrf }).expect(200);
    // Single use: the same link no longer works.
    await invitee.get(link).expect(404);
    await invitee.post(link).type('form').send({ password: pw, confirm: pw, _csrf: csrf }).expect(404);

    await signIn(t.app, 'new.agent@north.example', pw);
    const events = await t.store.audit.query({ partnerId: 'p-north', limit: 20, offset: 0 });
    expect(events.events.map((e) => e.action)).toEqual(expect.arrayContaining(['agent.invite', 'agent.password_set']));
  });

  test('when the invitation link is older than 24 hours, then it no longer works; a resent one does and voids the first', async () => {
    await post(admin, '/admin', '/admin/agents', { email: 'late@north.example', name: 'Late', role: 'helpdesk' });
    const first = await inviteLink(t, 'late@north.example');
    t.clock.advance(INVITE_TTL_MS + 1000);
    await request(t.app).get(first).expect(404);
    admin = await signIn(t.app, 'admin@north.example');
    const late = (await t.store.agents.getByEmail('late@north.example'))!;
    await post(admin, '/admin', `/admin/agents/${late.id}/invite`, {}).then((r) => expect(r.status).toBe(303));
    const second = await inviteLink(t, 'late@north.example');
    expect(second).not.toBe(first);
    await request(t.app).get(second).expect(200);
  });

  test('when the invited email is already an agent of the same partner, then the form says so with 409 and keeps the values', async () => {
    const res = await post(admin, '/admin', '/admin/agents', { email: 'agent@north.example', name: 'Dup', role: 'helpdesk' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('An agent with this email already exists.');
    expect(res.text).toContain('value="Dup"');
  });

  test('when the invited email is an agent of another partner, then the answer is that of an invitation, nothing is created or sent, and the attempt is audited as denied', async () => {
    const southAgent = (await t.store.agents.getByEmail('agent@south.example'))!;
    const invited = await post(admin, '/admin', '/admin/agents', { email: 'fresh@elsewhere.example', name: 'Fresh', role: 'helpdesk' });
    const invitedNotice = /<p class="notice[^>]*>([^<]*)</.exec((await admin.get('/admin').expect(200)).text)![1];

    const res = await post(admin, '/admin', '/admin/agents', { email: 'agent@south.example', name: 'Dup', role: 'helpdesk' });

    expect([res.status, res.headers.location]).toEqual([invited.status, invited.headers.location]);
    const page = (await admin.get('/admin').expect(200)).text;
    expect(/<p class="notice[^>]*>([^<]*)</.exec(page)![1]).toBe(invitedNotice.replace('fresh@elsewhere.example', 'agent@south.example'));
    expect(page).not.toContain('already exists');
    expect(await t.store.agents.getByEmail('agent@south.example')).toEqual(southAgent);
    expect((await t.store.agents.listByPartner('p-north')).map((a) => a.email)).not.toContain('agent@south.example');
    for (const partner of ['p-north', 'p-south']) {
      const mails = await t.store.mailOutbox.listByPartner(partner, { limit: 50, offset: 0 });
      expect(mails.filter((m) => m.to === 'agent@south.example')).toEqual([]);
    }
    // Recorded for the operator, but not in the partner's own log, where it would say the same thing.
    const own = (await t.store.audit.query({ partnerId: 'p-north', action: 'agent.invite', limit: 10, offset: 0 })).events;
    expect(own.filter((e) => e.detail.email === 'agent@south.example')).toEqual([]);
    const operator = (t.store.db.prepare('SELECT data FROM audit_events WHERE partner_id IS NULL').all() as Array<{ data: string }>)
      .map((r) => JSON.parse(r.data)).filter((e) => e.detail.email === 'agent@south.example');
    expect(operator).toEqual([expect.objectContaining({ outcome: 'denied', actorId: adminId, action: 'agent.invite' })]);
  });

  test('when the invited address is on the suppression list, then the agent is added and the notice says the invitation mail could not be sent for that reason', async () => {
    await t.store.suppressions.upsert({ email: 'bounced@north.example', reason: 'hard_bounce', since: '2026-01-01T00:00:00.000Z', detail: '550 5.1.1' });

    const res = await post(admin, '/admin', '/admin/agents', { email: 'bounced@north.example', name: 'Bounced', role: 'helpdesk' });

    expect(res.status).toBe(303);
    expect(await t.store.agents.getByEmail('bounced@north.example')).toMatchObject({ partnerId: 'p-north', passwordHash: null });
    const page = (await admin.get('/admin').expect(200)).text;
    expect(page).toContain('The agent bounced@north.example was added, but the invitation mail was not sent: the address is on the suppression list');
    expect(page).not.toContain('already exists');
    expect((await t.store.mailOutbox.listByPartner('p-north', { limit: 50, offset: 0 })).filter((m) => m.to === 'bounced@north.example')).toEqual([]);
    const [event] = (await t.store.audit.query({ partnerId: 'p-north', action: 'agent.invite', limit: 10, offset: 0 })).events;
    expect(event).toMatchObject({ outcome: 'failure', detail: { email: 'bounced@north.example', mailSent: false, suppressed: true } });
  });

  test('when the role is changed, then the agent gains the admin pages at once', async () => {
    const target = (await t.store.agents.getByEmail('agent@north.example'))!;
    const agent = await signIn(t.app, 'agent@north.example');
    await agent.get('/admin').expect(403);
    await post(admin, '/admin', `/admin/agents/${target.id}/role`, { role: 'partner_admin' }).then((r) => expect(r.status).toBe(303));
    await agent.get('/admin').expect(200);
  });

  test('when an agent is disabled, then their sessions end at once, their token stops, and re-enabling lets them sign in again', async () => {
    const target = (await t.store.agents.getByEmail('agent@north.example'))!;
    const agent = await signIn(t.app, 'agent@north.example');
    const token = await t.apiToken('agent@north.example');
    await agent.get('/').expect(200);
    await post(admin, '/admin', `/admin/agents/${target.id}/disable`, { confirm: 'yes' }).then((r) => expect(r.status).toBe(303));
    // The session row is gone from the store, not only refused.
    expect(await t.store.sessions.destroyByAgent(target.id)).toBe(0);
    const next = await agent.get('/').expect(303);
    expect(next.headers.location).toBe('/login');
    await request(t.app).get('/api/v1/search?q=a').set('Authorization', `Bearer ${token}`).expect(401);
    await expect(signIn(t.app, 'agent@north.example')).rejects.toThrow();

    t.clock.advance(1000);
    await post(admin, '/admin', `/admin/agents/${target.id}/enable`, {}).then((r) => expect(r.status).toBe(303));
    await signIn(t.app, 'agent@north.example');
    const actions = (await t.store.audit.query({ partnerId: 'p-north', subject: `agent:${target.id}`, limit: 10, offset: 0 }))
      .events.map((e) => e.action);
    expect(actions).toEqual(['agent.enable', 'agent.disable']);
  });

  test('when the admin tries to disable or demote themselves, then it is refused and nothing changes', async () => {
    await post(admin, '/admin', `/admin/agents/${adminId}/disable`, { confirm: 'yes' }).then((r) => expect(r.status).toBe(303));
    expect((await admin.get('/admin').expect(200)).text).toContain('You cannot disable yourself.');
    await post(admin, '/admin', `/admin/agents/${adminId}/role`, { role: 'helpdesk' }).then((r) => expect(r.status).toBe(303));
    expect((await admin.get('/admin').expect(200)).text).toContain('You cannot change your own role.');
    expect(await t.store.agents.get(adminId)).toMatchObject({ disabled: false, role: 'partner_admin' });
  });

  test('when the admin acts on another partner\'s agent or token, then the answer is 404 (403 for a token issued to them) and nothing changes', async () => {
    const foreign = (await t.store.agents.getByEmail('agent@south.example'))!;
    for (const action of ['disable', 'role', 'invite']) {
      const res = await post(admin, '/admin', `/admin/agents/${foreign.id}/${action}`, { role: 'partner_admin', confirm: 'yes' });
      expect(res.status).toBe(404);
    }
    const { record } = await t.auth.createToken('agent@south.example', 'south');
    expect((await post(admin, '/admin/tokens', `/admin/tokens/${record.id}/revoke`, {})).status).toBe(404);
    expect((await post(admin, '/admin/tokens', `/admin/tokens/${record.id}/revoke`, { confirm: 'yes' })).status).toBe(404);
    // Issuing a token for any agent but oneself is refused the same way, whoever that agent is.
    expect((await post(admin, '/admin/tokens', '/admin/tokens', { name: 'x', ownerId: foreign.id })).status).toBe(403);
    expect(await t.store.agents.get(foreign.id)).toMatchObject({ disabled: false, role: 'helpdesk' });
    expect((await t.store.apiTokens.listByPartner('p-south'))[0].revokedAt).toBeNull();
  });

  test('when a token is issued, then it is shown once, works, is listed with owner and last use, and revoking stops it', async () => {
    const res = await post(admin, '/admin/tokens', '/admin/tokens', { name: 'ticketing', ownerId: adminId });
    expect(res.status).toBe(303);
    const token = /data-new-token>(phd_[^<]+)</.exec((await admin.get(res.headers.location).expect(200)).text)![1];
    const [record] = await t.store.apiTokens.listByPartner('p-north');
    expect(JSON.stringify(record)).not.toContain(token);
    const list = await admin.get('/admin/tokens').expect(200);
    expect(list.text).not.toContain(token);
    expect(list.text).toContain('ticketing');
    expect(list.text).toContain('admin@north.example');

    await request(t.app).get('/api/v1/search?q=a').set('Authorization', `Bearer ${token}`).expect(200);
    expect((await t.store.apiTokens.listByPartner('p-north'))[0].lastUsedAt).not.toBeNull();
    t.clock.advance(1000);
    await post(admin, '/admin/tokens', `/admin/tokens/${record.id}/revoke`, { confirm: 'yes' }).then((r) => expect(r.status).toBe(303));
    await request(t.app).get('/api/v1/search?q=a').set('Authorization', `Bearer ${token}`).expect(401);
    const actions = (await t.store.audit.query({ partnerId: 'p-north', subject: `token:${record.id}`, limit: 10, offset: 0 }))
      .events.map((e) => e.action);
    expect(actions).toEqual(['token.revoke', 'token.issue']);
  });

  describe('the API tokens page', () => {
    const issue = async (name: string) => {
      const res = await post(admin, '/admin/tokens', '/admin/tokens', { name });
      expect(res.status).toBe(303);
      return res;
    };
    const shownToken = (html: string) => /data-new-token>(phd_[^<]+)</.exec(html)?.[1] ?? null;
    /** The table row (one per token) that holds the given text. */
    const rowWith = (html: string, text: string) => html.split('<tr>').filter((row) => row.includes(text));

    test('when the admin reloads the page after issuing a token, then no second token is created and the token is not shown again', async () => {
      const res = await issue('ticketing');
      expect(res.headers.location).toBe('/admin/tokens');
      const page = await admin.get(res.headers.location).expect(200);
      const token = shownToken(page.text)!;
      expect(token).toMatch(/^phd_[A-Za-z0-9_-]{43}$/);
      expect(page.headers['cache-control']).toBe('no-store');

      const reloaded = await admin.get('/admin/tokens').expect(200);
      expect(shownToken(reloaded.text)).toBeNull();
      expect(reloaded.text).not.toContain(token);
      expect(await t.store.apiTokens.listByPartner('p-north')).toHaveLength(1);
    });

    test('when a token is issued, then the page offers a copy button for it, named in the admin\'s language', async () => {
      const page = await admin.get((await issue('ticketing')).headers.location).expect(200);
      const token = shownToken(page.text)!;
      expect(page.text).toContain(`class="copy-button" data-copy="${token}" aria-label="Copy the new API token"`);
      await admin.post('/lang').type('form').send({ lang: 'fr', next: '/', _csrf: csrfFrom(page.text) }).expect(303);
      const fr = await admin.get((await issue('autre')).headers.location).expect(200);
      expect(fr.text).toContain('aria-label="Copier le nouveau jeton d’API"');
    });

    test('when two tokens share a name, then each row shows its own prefix and last 4 characters, and when it was last used', async () => {
      const first = shownToken((await admin.get((await issue('ci')).headers.location).expect(200)).text)!;
      t.clock.advance(1000);
      const second = shownToken((await admin.get((await issue('ci')).headers.location).expect(200)).text)!;
      await request(t.app).get('/api/v1/search?q=a').set('Authorization', `Bearer ${first}`).expect(200);

      const list = (await admin.get('/admin/tokens').expect(200)).text;
      const hintOf = (token: string) => `${token.slice(0, 6)}…${token.slice(-4)}`;
      expect(hintOf(first)).not.toBe(hintOf(second));
      const [firstRow] = rowWith(list, hintOf(first));
      const [secondRow] = rowWith(list, hintOf(second));
      expect(firstRow).toContain('ci');
      expect(secondRow).toContain('ci');
      expect(firstRow).not.toContain('never');
      expect(secondRow).toContain('never');
      expect(list).not.toContain(first);
      expect(list).not.toContain(second);
      // What is kept can never be used: 6 + 4 characters of the token.
      expect((await t.store.apiTokens.listByPartner('p-north')).map((tk) => tk.hint).sort()).toEqual([hintOf(first), hintOf(second)].sort());
    });

    test('when tokens are created from the command line (an agent\'s or an integration\'s), then their rows show their hints too', async () => {
      const mine = await t.auth.createToken('admin@north.example', 'cli token');
      const sync = await t.auth.createIntegrationToken('p-north', 'crm sync');
      const list = (await admin.get('/admin/tokens').expect(200)).text;
      for (const { token } of [mine, sync]) {
        expect(list).toContain(`data-token-hint>${token.slice(0, 6)}…${token.slice(-4)}<`);
        expect(list).not.toContain(token);
      }
    });

    test('when a token was issued before hints were kept, then its row is listed without one', async () => {
      await t.store.apiTokens.create({ id: 'old-token', agentId: adminId, partnerId: 'p-north', name: 'legacy', tokenHash: 'x'.repeat(64),
        createdAt: t.clock.now().toISOString(), lastUsedAt: null, revokedAt: null });
      const [row] = rowWith((await admin.get('/admin/tokens').expect(200)).text, 'legacy');
      expect(row).not.toContain('data-token-hint');
      expect(row).toContain('title="Issued before tokens kept their first and last characters"');
    });

    test('when the admin clicks Revoke, then a confirmation page asks first and the token keeps working until it is confirmed', async () => {
      const token = shownToken((await admin.get((await issue('nightly export')).headers.location).expect(200)).text)!;
      const [record] = await t.store.apiTokens.listByPartner('p-north');
      const ask = await post(admin, '/admin/tokens', `/admin/tokens/${record.id}/revoke`, {});
      expect(ask.status).toBe(200);
      expect(ask.text).toContain('Revoke this token?');
      expect(ask.text).toContain(`Token “nightly export” (${record.hint})`);
      expect(ask.text).toContain('name="confirm" value="yes"');
      expect(ask.text).toContain(`name="_csrf" value="${csrfFrom(ask.text)}"`);
      expect(ask.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
      expect((await t.store.apiTokens.listByPartner('p-north'))[0].revokedAt).toBeNull();
      await request(t.app).get('/api/v1/search?q=a').set('Authorization', `Bearer ${token}`).expect(200);

      // Confirming without the form's CSRF token is refused.
      await admin.post(`/admin/tokens/${record.id}/revoke`).type('form').send({ confirm: 'yes' }).expect(403);
      await admin.post(`/admin/tokens/${record.id}/revoke`).type('form').send({ confirm: 'yes', _csrf: csrfFrom(ask.text) }).expect(303);
      await request(t.app).get('/api/v1/search?q=a').set('Authorization', `Bearer ${token}`).expect(401);
    });
  });

  test('when the admin clicks Disable, then a confirmation page asks first and the agent stays enabled until it is confirmed', async () => {
    const target = (await t.store.agents.getByEmail('agent@north.example'))!;
    const ask = await post(admin, '/admin', `/admin/agents/${target.id}/disable`, {});
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Disable this agent?');
    expect(ask.text).toContain('agent@north.example is signed out at once');
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(await t.store.agents.get(target.id)).toMatchObject({ disabled: false });

    await admin.post(`/admin/agents/${target.id}/disable`).type('form').send({ confirm: 'yes', _csrf: csrfFrom(ask.text) }).expect(303);
    expect(await t.store.agents.get(target.id)).toMatchObject({ disabled: true });
  });

  test('when the outbox holds a verification code and an invitation, then the admin sees both mails, newest first, without the code or the link', async () => {
    const org = f.org('p-north');
    await t.store.orgs.upsert(org);
    const user = await t.store.users.upsert(f.user(org.id, { email: 'caller@acme.example' }));
    await post(admin, '/admin', '/admin/agents', { email: 'invitee@north.example', name: 'Invitee', role: 'helpdesk' });
    t.clock.advance(1000);
    await post(admin, `/users/${user.id}`, `/users/${user.id}/verifications`, {}).then((r) => expect(r.status).toBe(303));
    const mails = await t.store.mailOutbox.listByPartner('p-north', { limit: 10, offset: 0 });
    const code = /\b(\d{4} \d{4})\b/.exec(mails.find((m) => m.kind === 'verification')!.text)![1];
    const link = await inviteLink(t, 'invitee@north.example');

    const page = await admin.get('/admin/outbox').expect(200);
    expect(page.text).toContain('caller@acme.example');
    expect(page.text).toContain('invitee@north.example');
    expect(page.text.indexOf('caller@acme.example')).toBeLessThan(page.text.indexOf('invitee@north.example'));
    expect(page.text).not.toContain(code);
    expect(page.text).not.toContain(code.replace(' ', ''));
    expect(page.text).not.toContain(link.split('/').pop()!);
    expect(page.text).toContain('•••• ••••');
  });

  test('when a text is masked, then codes, links past their first segment and long tokens are hidden; ordinary words stay', () => {
    expect(maskSecrets('Code: 4821 3379.')).toBe('Code: •••• ••••.');
    expect(maskSecrets('Go to https://hd.example/set-password/abcDEF123_-xyz now')).toBe('Go to https://hd.example/set-password/… now');
    expect(maskSecrets('https://hd.example/customer/login?token=abc')).toBe('https://hd.example/customer/…');
    expect(maskSecrets('key phd_0123456789abcdefghijklmnopqrstuv')).toBe('key phd_…');
    expect(maskSecrets('Hello Jane, call 555-12')).toBe('Hello Jane, call 555-12');
  });

  test('when a set-password link is unknown, then the page says the link no longer works with 404', async () => {
    const res = await request(t.app).get('/set-password/not-a-token').expect(404);
    expect(res.text).toContain('This link does not work any more');
  });
});
