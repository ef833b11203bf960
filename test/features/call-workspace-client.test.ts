// The call workspace as the browser sees it, without a browser: times in the viewer's time zone once
// the browser told it (UTC until then, labelled), copy buttons with accessible names in both
// languages, the search box and shortcut list on every agent page. The browser suite
// (test/e2e/call-workspace.e2e.test.ts) presses the keys.
import { messageHtml, whenHtml } from '../../src/http/time-zone';
import { translator } from '../../src/i18n/i18n';
import * as f from '../helpers/factories';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';

const AT = '2026-01-15T23:30:05.000Z';

describe('times in the viewer\'s time zone', () => {
  test('when a zone is known, then a time shows in it with the zone\'s name, and the UTC time on hover', () => {
    expect(String(whenHtml(AT, 'Asia/Tokyo', 'en'))).toBe(`<time datetime="${AT}" title="2026-01-15 23:30 UTC">2026-01-16 08:30 GMT+9</time>`);
    expect(String(whenHtml(AT, 'Asia/Tokyo', 'en', 'time'))).toBe(`<time datetime="${AT}" title="2026-01-15 23:30 UTC">08:30 GMT+9</time>`);
    expect(String(whenHtml(AT, 'Asia/Tokyo', 'en', 'date'))).toBe(`<time datetime="${AT}" title="2026-01-15 23:30 UTC">2026-01-16</time>`);
  });

  test('when no zone is known, or the zone is not one, then the time shows in UTC, labelled UTC', () => {
    expect(String(whenHtml(AT, undefined, 'en'))).toBe(`<time datetime="${AT}" title="2026-01-15 23:30 UTC">2026-01-15 23:30 UTC</time>`);
    expect(String(whenHtml(AT, 'Mars/Olympus', 'fr', 'seconds'))).toContain('>2026-01-15 23:30:05 UTC</time>');
  });

  test('when the value is a calendar date or no instant, then it shows as it is, escaped', () => {
    expect(String(whenHtml('2026-03-01', 'Pacific/Honolulu', 'en', 'date'))).toBe('<time datetime="2026-03-01">2026-03-01</time>');
    expect(String(whenHtml('<b>soon</b>', 'Asia/Tokyo', 'en'))).toBe('&#60;b&#62;soon&#60;/b&#62;');
    expect(String(whenHtml(null, 'Asia/Tokyo', 'en'))).toBe('');
  });

  test('when a message holds a time, then the time goes in as markup and every other parameter is escaped', () => {
    const html = messageHtml(translator('en'), 'consent.agent.pending', { agent: '<img src=x>', date: whenHtml(AT, undefined, 'en') });
    expect(html).toContain('&#60;img src=x&#62;');
    expect(html).toContain(`<time datetime="${AT}" title="2026-01-15 23:30 UTC">2026-01-15 23:30 UTC</time>`);
  });
});

describe('the call workspace pages', () => {
  let t: TestApp;
  const org = f.org('p-north', { name: 'Acme' });
  const user = f.user(org.id, { email: 'helene@acme.example', phone: '+33612345678', sipAddress: 'helene@acme.webex.com' });

  beforeEach(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.orgs.upsert(org);
    await t.store.users.upsert(user);
    await t.addAgent('p-north', 'admin@north.example', 'partner_admin');
    await t.store.audit.append({ id: 'e-1', at: AT, actorId: null, actorRole: null, partnerId: 'p-north', orgId: org.id,
      subject: `user:${user.id}`, action: 'user.view', outcome: 'success', clientIp: '127.0.0.1', requestId: 'r-1', detail: {} });
    await t.sync();
  });
  afterEach(() => t.close());

  const tellZone = async (agent: Awaited<ReturnType<typeof signIn>>, timeZone: unknown, withToken = true) => {
    const page = await agent.get('/').expect(200);
    const post = agent.post('/prefs/time-zone').set('Accept', 'application/json');
    if (withToken) post.set('X-CSRF-Token', csrfFrom(page.text));
    return post.send({ timeZone });
  };

  test('when the browser has not told its zone yet, then times show in UTC, labelled, and the page asks for the zone', async () => {
    const agent = await signIn(t.app, 'admin@north.example');
    const page = (await agent.get('/audit').expect(200)).text;
    expect(page).toContain('>2026-01-15 23:30:05 UTC</time>');
    expect(page).toMatch(/<body [^>]*data-time-zone-post="\/prefs\/time-zone" data-csrf-token="[^"]+"/);
  });

  test('when the browser tells Asia/Tokyo, then the pages show Tokyo time with UTC on hover, and stop asking', async () => {
    const agent = await signIn(t.app, 'admin@north.example');
    await tellZone(agent, 'Asia/Tokyo').then((res) => expect(res.status).toBe(204));
    const page = (await agent.get('/audit').expect(200)).text;
    expect(page).toContain(`<time datetime="${AT}" title="2026-01-15 23:30:05 UTC">2026-01-16 08:30:05 GMT+9</time>`);
    expect(page).not.toContain('data-time-zone-post');
    // The API keeps ISO 8601 in UTC whatever the session's zone.
    const api = await agent.get(`/api/v1/users/${user.id}`).set('Accept', 'application/json').expect(200);
    expect(JSON.stringify(api.body)).not.toMatch(/\+09:00|GMT\+9/);
  });

  test('when something that is no IANA zone is posted, or no CSRF token comes with it, then it is refused and times stay in UTC', async () => {
    const agent = await signIn(t.app, 'admin@north.example');
    expect((await tellZone(agent, 'Mars/Olympus')).status).toBe(400);
    expect((await tellZone(agent, '<script>')).status).toBe(400);
    expect((await tellZone(agent, { $ne: 1 })).status).toBe(400);
    expect((await tellZone(agent, 'Asia/Tokyo', false)).status).toBe(403);
    expect((await agent.get('/audit').expect(200)).text).toContain('>2026-01-15 23:30:05 UTC</time>');
  });

  test('when the user page opens, then its email, id, phone and SIP address each have a copy button named for what it copies, in both languages', async () => {
    const agent = await signIn(t.app, 'admin@north.example');
    const page = (await agent.get(`/users/${user.id}`).expect(200)).text;
    for (const [label, value] of [['Copy email address', user.email], ['Copy id', user.id], ['Copy phone number', user.phone], ['Copy SIP address', user.sipAddress]]) {
      expect(page).toContain(`<button type="button" class="copy-button" data-copy="${value}" aria-label="${label} ${value}"`);
    }
    const fr = (await agent.get(`/users/${user.id}`).set('Cookie', 'lang=fr').expect(200)).text;
    expect(fr).toContain(`aria-label="Copier l’adresse e-mail ${user.email}"`);
  });

  test('when an agent page opens, then it has a search box that works without script, the org link for `g o` and the shortcut list', async () => {
    const agent = await signIn(t.app, 'admin@north.example');
    const page = (await agent.get(`/users/${user.id}`).expect(200)).text;
    expect(page).toMatch(/<form method="get" action="\/" role="search" class="topbar-search">[\s\S]*?<input id="topbar-q" name="q" type="search"/);
    expect(page).toContain(`<a href="/orgs/${org.id}" data-shortcut-org>`);
    expect(page).toMatch(/<dialog id="shortcuts"[\s\S]*?<kbd>g<\/kbd> <kbd>o<\/kbd>/);
    // The search page has its own box: no second one in the top bar.
    expect((await agent.get('/').expect(200)).text).not.toContain('topbar-search');
  });

  test('when a search hit matched an identifier, then a copy button for it sits beside the hit', async () => {
    const agent = await signIn(t.app, 'admin@north.example');
    const page = (await agent.get('/').query({ q: user.email }).expect(200)).text;
    expect(page).toContain(`data-copy="${user.email}" aria-label="Copy email address ${user.email}"`);
  });
});
