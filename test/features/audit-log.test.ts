// The audit log: who did what, filters, paging, CSV export with quoting and formula guard.
import request from 'supertest';
import { csvCell, csvRow } from '../../src/features/audit/csv';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

/** RFC 4180 parser, enough to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += c;
  }
  return rows;
}

describe('audit log', () => {
  let t: TestApp;
  const org = f.org('p-north', { name: 'Acme' });
  const otherOrg = f.org('p-north', { name: 'Globex' });
  let userId: string;

  beforeEach(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    await t.store.orgs.upsert(org);
    await t.store.orgs.upsert(otherOrg);
    await t.store.orgs.upsert(f.org('p-south', { name: 'Southern' }));
    userId = (await t.store.users.upsert(f.user(org.id))).id;
    await t.addAgent('p-north', 'admin@north.example', 'partner_admin');
    await t.addAgent('p-north', 'agent@north.example');
    await t.addAgent('p-south', 'admin@south.example', 'partner_admin');
  });
  afterEach(() => t.close());

  test('when an agent opens pages, then each view is recorded with UTC time, actor, role, partner, org, subject, client address and request id', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/users/${userId}`).expect(200);
    const { events } = await t.store.audit.query({ partnerId: 'p-north', action: 'user.view', limit: 5, offset: 0 });
    const a = (await t.store.agents.getByEmail('agent@north.example'))!;
    expect(events[0]).toMatchObject({
      actorId: a.id, actorRole: 'helpdesk', partnerId: 'p-north', orgId: org.id, subject: `user:${userId}`,
      action: 'user.view', outcome: 'success', requestId: res.headers['x-request-id'],
    });
    expect(events[0].at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(events[0].clientIp).toBeTruthy();
  });

  test('when a help-desk agent opens /audit or /audit.csv, then the answer is 403', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    await agent.get('/audit').expect(403);
    await agent.get('/audit.csv').expect(403);
  });

  test('when the store fails in the middle of a CSV export, then the download breaks off instead of hanging', async () => {
    const admin = await signIn(t.app, 'admin@north.example');
    for (let i = 0; i < 1200; i++) {
      await t.store.audit.append({ id: `e-${i}`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), actorId: null, actorRole: null,
        partnerId: 'p-north', orgId: null, subject: null, action: 'test.event', outcome: 'success', clientIp: null, requestId: null, detail: {} });
    }
    const query = t.store.audit.query.bind(t.store.audit);
    let calls = 0;
    jest.spyOn(t.store.audit, 'query').mockImplementation(async (q) => {
      calls += 1;
      if (calls > 1) throw new Error('store lost');
      return query(q);
    });
    await expect(admin.get('/audit.csv?action=test.event').timeout(5000)).rejects.toThrow(/socket hang up|aborted|ECONNRESET/);
  });

  test('when a date filter names a day that does not exist, then the page answers 400 naming the field', async () => {
    const admin = await signIn(t.app, 'admin@north.example');
    const res = await admin.get('/audit.csv?from=2026-02-31').expect(400);
    expect(res.text).toContain('from');
  });

  test('when the admin filters by org, user, agent, action and time, then only matching events of the own partner show', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    await agent.get(`/orgs/${org.id}`).expect(200);
    t.clock.advance(20 * 60 * 1000);
    const later = t.clock.now().toISOString().slice(0, 16);
    await agent.get(`/orgs/${otherOrg.id}`).expect(200);
    await agent.get(`/users/${userId}`).expect(200);
    const south = await signIn(t.app, 'admin@south.example');
    await south.get('/').expect(200);

    const admin = await signIn(t.app, 'admin@north.example');
    const agentId = (await t.store.agents.getByEmail('agent@north.example'))!.id;
    const byOrg = await admin.get(`/audit?org=${otherOrg.id}`).expect(200);
    expect(byOrg.text).toContain('1 event');
    const byUser = await admin.get(`/audit?user=${userId}`).expect(200);
    expect(byUser.text).toContain('1 event');
    expect(byUser.text).toContain('user.view');
    const byAgentAction = await admin.get(`/audit?agent=${agentId}&action=org.view`).expect(200);
    expect(byAgentAction.text).toContain('2 events');
    const byTime = await admin.get(`/audit?action=org.view&from=${later}`).expect(200);
    expect(byTime.text).toContain('1 event');
    const all = await admin.get('/audit').expect(200);
    expect(all.text).not.toContain('admin@south.example');
    await admin.get('/audit?from=2026-13-45').expect(400);
    await admin.get('/audit?action=DROP%20TABLE').expect(400);
  });

  describe('filters by what people know', () => {
    let ana: string;
    let anaSilva: string;
    let bob: string;
    const event = (id: string, over: Record<string, unknown>) => t.store.audit.append({
      id, at: `2026-01-01T00:0${id.slice(-1)}:00.000Z`, actorId: null, actorRole: 'helpdesk', partnerId: 'p-north', orgId: null, subject: null,
      action: 'org.view', outcome: 'success', clientIp: '10.0.0.9', requestId: 'req-0123456789abcdef', detail: {}, ...over,
    });

    beforeEach(async () => {
      ana = (await t.store.users.upsert(f.user(org.id, { firstName: 'Ana', lastName: 'Lima', email: 'ana.lima@acme.example' }))).id;
      anaSilva = (await t.store.users.upsert(f.user(otherOrg.id, { firstName: 'Ana', lastName: 'Silva' }))).id;
      bob = (await t.store.users.upsert(f.user(org.id, { firstName: 'Bob', lastName: 'Stone' }))).id;
      // Another partner's org and user with the same names: never part of this partner's filters.
      const southOrg = f.org('p-south', { name: 'Acme' });
      await t.store.orgs.upsert(southOrg);
      await t.store.users.upsert(f.user(southOrg.id, { firstName: 'Ana', lastName: 'Lima' }));
      await t.sync();
      const agentId = (await t.store.agents.getByEmail('agent@north.example'))!.id;
      const adminId = (await t.store.agents.getByEmail('admin@north.example'))!.id;
      await event('e-1', { actorId: agentId, orgId: org.id, subject: `user:${ana}`, action: 'user.view' });
      await event('e-2', { actorId: agentId, orgId: otherOrg.id, subject: `user:${anaSilva}`, action: 'suppression.clear' });
      await event('e-3', { actorId: adminId, orgId: org.id, subject: `user:${bob}`, action: 'verification.send' });
      await event('e-4', { actorId: adminId, orgId: otherOrg.id, action: 'consent.request', detail: { reason: 'x'.repeat(400) } });
      await event('e-5', { actorId: agentId, orgId: org.id, action: 'suppressions.fake' });
    });

    const rowsOf = (html: string) => (html.split('<tbody>')[1] ?? '').split('</tbody>')[0].split('<tr>').slice(1);

    test('when the admin types a user\'s email or name, then the events about that user (or every user of that name) show', async () => {
      const admin = await signIn(t.app, 'admin@north.example');
      const byEmail = await admin.get('/audit?user=ANA.LIMA@acme.example').expect(200);
      expect(rowsOf(byEmail.text)).toHaveLength(1);
      expect(byEmail.text).toContain('1 user: Ana Lima');
      const byName = await admin.get('/audit?user=ana').expect(200);
      expect(rowsOf(byName.text)).toHaveLength(2);
      expect(byName.text).toMatch(/2 users: Ana (Lima|Silva), Ana (Lima|Silva)/);
      const byFullName = await admin.get(`/audit?user=${encodeURIComponent('Ana Silva')}`).expect(200);
      expect(rowsOf(byFullName.text)).toHaveLength(1);
      expect(rowsOf(byFullName.text)[0]).toContain('suppression.clear');
      const nobody = await admin.get('/audit?user=Zebulon').expect(200);
      expect(nobody.text).toContain('No event matches these filters.');
      expect(nobody.text).toContain('Nothing of this partner answers to “Zebulon”.');
    });

    test('when the admin types an org\'s name or an agent\'s email or name, then their events show, within the own partner only', async () => {
      const admin = await signIn(t.app, 'admin@north.example');
      const byOrg = await admin.get('/audit?org=acme').expect(200);
      expect(byOrg.text).toContain('1 org: Acme');
      expect(rowsOf(byOrg.text).map((r) => /user\.view|verification\.send|suppressions\.fake/.test(r))).toEqual([true, true, true]);
      const byAgentEmail = await admin.get('/audit?agent=agent@north.example').expect(200);
      expect(rowsOf(byAgentEmail.text)).toHaveLength(3);
      const byAgentName = await admin.get('/audit?agent=admin&org=Globex').expect(200);
      expect(rowsOf(byAgentName.text)).toHaveLength(1);
      expect(rowsOf(byAgentName.text)[0]).toContain('consent.request');
    });

    test('when the admin picks an action family from the list, then every action of that family shows, and the form keeps the filters', async () => {
      const admin = await signIn(t.app, 'admin@north.example');
      const page = await admin.get('/audit?action=suppression&user=ana').expect(200);
      expect(rowsOf(page.text)).toHaveLength(1);
      expect(rowsOf(page.text)[0]).toContain('suppression.clear');
      expect(page.text).toMatch(/<select id="f-action" name="action">/);
      expect(page.text).toMatch(/<option value="suppression" selected>Suppression list \(suppression\)<\/option>/);
      expect(page.text).toMatch(/<input id="f-user" name="user" type="text" value="ana">/);
      const family = await admin.get('/audit?action=suppression').expect(200);
      expect(rowsOf(family.text)).toHaveLength(1);
      const fr = await admin.get('/audit?action=consent').set('Accept-Language', 'fr').expect(200);
      expect(fr.text).toContain('Consentement : accès et demandes (consent)');
    });

    test('when events are listed, then actors, orgs and subjects show by name with their id on hover, and long details are clamped', async () => {
      const admin = await signIn(t.app, 'admin@north.example');
      const agentId = (await t.store.agents.getByEmail('agent@north.example'))!.id;
      const page = await admin.get('/audit?action=user.view').expect(200);
      const [row] = rowsOf(page.text);
      expect(row).toContain(`<span class="actor" title="${agentId}">agent</span>`);
      expect(row).toContain(`title="${org.id}">Acme</a>`);
      expect(row).toContain(`<span title="user:${ana}">Ana Lima</span>`);
      expect(row).not.toMatch(new RegExp(`>${agentId}<`));
      const long = await admin.get('/audit?action=consent').expect(200);
      expect(rowsOf(long.text)[0]).toContain('<div class="clamp" title=');
      expect(long.text).toContain('<table class="audit">');
    });

    test('when events are listed, then each action shows by its name in the page\'s language, its code next to it and on hover', async () => {
      const admin = await signIn(t.app, 'admin@north.example');
      const [en] = rowsOf((await admin.get('/audit?action=user.view').expect(200)).text);
      expect(en).toContain('<span title="user.view">User page opened</span><br><span class="mono muted action-code">user.view</span>');
      const [fr] = rowsOf((await admin.get('/audit?action=user.view').set('Accept-Language', 'fr').expect(200)).text);
      expect(fr).toContain('<span title="user.view">Page d’utilisateur ouverte</span>');
    });

    test('when exported with names as filters, then the CSV holds the same events and names them', async () => {
      const admin = await signIn(t.app, 'admin@north.example');
      const res = await admin.get('/audit.csv?user=ana&action=suppression').expect(200);
      const rows = parseCsv(res.text);
      expect(rows).toHaveLength(2);
      expect(rows[1].slice(12)).toEqual(['agent', 'Globex', 'Ana Silva']);
      const page = await admin.get('/audit?user=ana&action=suppression').expect(200);
      expect(page.text).toContain('href="/audit.csv?user=ana&amp;action=suppression"');
    });
  });

  test('when there are more events than a page, then the pages walk through them all', async () => {
    for (let i = 0; i < 60; i++) {
      await t.store.audit.append({ id: `e-${String(i).padStart(3, '0')}`, at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        actorId: null, actorRole: null, partnerId: 'p-north', orgId: null, subject: null, action: 'test.event', outcome: 'success',
        clientIp: null, requestId: null, detail: { n: i } });
    }
    const admin = await signIn(t.app, 'admin@north.example');
    const p1 = await admin.get('/audit?action=test.event').expect(200);
    expect(p1.text).toContain('Page 1 of 2');
    expect(p1.text).toContain('{&#34;n&#34;:59}');
    const p2 = await admin.get('/audit?action=test.event&page=2').expect(200);
    expect(p2.text).toContain('{&#34;n&#34;:9}');
    expect(p2.text).not.toContain('{&#34;n&#34;:10}');
  });

  test('when exported, then the CSV has the same filters, quotes properly, defuses formulas and records the export', async () => {
    await t.store.audit.append({ id: 'evil', at: '2026-01-01T00:00:00.000Z', actorId: null, actorRole: null, partnerId: 'p-north',
      orgId: null, subject: '=HYPERLINK("http://evil.example","x")', action: 'auth.sign_in', outcome: 'failure', clientIp: '10.0.0.1',
      requestId: null, detail: { email: '+1,"quoted"\nline' } });
    const agent = await signIn(t.app, 'agent@north.example');
    await agent.get(`/users/${userId}`).expect(200);
    const admin = await signIn(t.app, 'admin@north.example');
    const res = await admin.get('/audit.csv?action=auth.sign_in').expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-\d{4}-\d\d-\d\d\.csv"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(['at', 'actor_id', 'actor_email', 'actor_role', 'partner_id', 'org_id', 'subject', 'action', 'outcome',
      'client_ip', 'request_id', 'detail', 'actor_name', 'org_name', 'subject_name']);
    expect(rows.slice(1).every((r) => r[7] === 'auth.sign_in')).toBe(true);
    const evil = rows.find((r) => r[9] === '10.0.0.1')!;
    expect(evil[6]).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(JSON.parse(evil[11])).toEqual({ email: '+1,"quoted"\nline' });
    expect(rows.some((r) => r[2] === 'agent@north.example')).toBe(true);
    const exports = await t.store.audit.query({ partnerId: 'p-north', action: 'audit.export', limit: 5, offset: 0 });
    expect(exports.total).toBe(1);
  });

  test('when a cell starts with = + - @ or holds separators, then it is guarded and quoted', () => {
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+33 6')).toBe("'+33 6");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=a,"b"')).toBe('"\'=a,""b"""');
    expect(csvCell(null)).toBe('');
    expect(csvRow(['a', 1 as unknown as string])).toBe('a,1\r\n');
  });

  test('when admin actions happen, then they are audited without any secret', async () => {
    const admin = await signIn(t.app, 'admin@north.example');
    const page = await admin.get('/admin/tokens').expect(200);
    const res = await admin.post('/admin/tokens').type('form').send({ name: 'ci', ownerId: (await t.store.agents.getByEmail('admin@north.example'))!.id, _csrf: csrfFrom(page.text) });
    const shown = await admin.get(res.headers.location).expect(200);
    const token = /data-new-token>(phd_[^<]+)</.exec(shown.text)![1];
    const { events } = await t.store.audit.query({ partnerId: 'p-north', limit: 50, offset: 0 });
    expect(events.map((e) => e.action)).toContain('token.issue');
    expect(JSON.stringify(events)).not.toContain(token);
    void request;
  });
});
