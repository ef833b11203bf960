// English and French: the locale files agree in shape, the language follows the browser or the
// switcher, and the views hold nothing the strict CSP would block.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { IntlMessageFormat } from 'intl-messageformat';
import { translator } from '../../src/i18n/i18n';
import en from '../../src/i18n/locales/en.json';
import fr from '../../src/i18n/locales/fr.json';
import { buildTestApp, csrfFrom, type TestApp } from '../helpers/test-app';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function filesUnder(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full, ext) : e.name.endsWith(ext) ? [full] : [];
  });
}

describe('locale files', () => {
  test('when en.json and fr.json are compared, then they have exactly the same keys', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  test('when the code records an audit action, then the audit page has a name for it', () => {
    const actions = new Set<string>();
    // Where audit events are written (src/http holds other `action:` options, such as helmet's).
    const files = ['features', 'import', 'cli'].flatMap((dir) => filesUnder(path.join(__dirname, '../../src', dir), '.ts'));
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/action: (?:disabled \? )?'([a-z_.]+)'(?: : '([a-z_.]+)')?/g)) for (const a of m.slice(1)) if (a) actions.add(a);
      // Deletions by the importer: `${of}.delete` for each kind of record.
      if (text.includes('action: `${of}.delete`')) for (const of of ['org', 'user', 'device']) actions.add(`${of}.delete`);
    }
    expect(actions.size).toBeGreaterThan(30);
    expect([...actions].filter((a) => !(`audit.action.${a}` in en)).sort()).toEqual([]);
  });

  test('when a message has {placeholders}, then its translation has the same ones', () => {
    const enMessages: Record<string, string> = en;
    const frMessages: Record<string, string> = fr;
    const differing = Object.keys(enMessages)
      .filter((k) => k in frMessages && placeholders(enMessages[k]).join() !== placeholders(frMessages[k]).join());
    expect(differing).toEqual([]);
  });

  test('when a message is translated, then it is not left empty', () => {
    const empty = Object.entries({ ...en, ...fr }).filter(([, v]) => typeof v !== 'string' || v.trim() === '');
    expect(empty).toEqual([]);
  });
});

describe('plurals', () => {
  const PLURAL = /\{\s*\w+\s*,\s*plural\s*,/;

  test('when a count is 1, then the words are singular in both languages, and French 0 is singular too', () => {
    const t = translator('en');
    const f = translator('fr');
    expect([0, 1, 2].map((count) => t('verification.triesLeft', { count }))).toEqual(['0 tries left', '1 try left', '2 tries left']);
    expect([0, 1, 2].map((count) => f('verification.triesLeft', { count }))).toEqual(['0 essai restant', '1 essai restant', '2 essais restants']);
    expect(t('search.results', { count: 1 })).toBe('1 result');
    expect(t('auth.locked', { minutes: 1 })).toBe('Too many failed sign-ins. Try again in 1 minute.');
  });

  test('when a message chooses words by number in English, then French does too, and every message of both files parses', () => {
    const enMessages: Record<string, string> = en;
    const frMessages: Record<string, string> = fr;
    const mismatched = Object.keys(enMessages).filter((k) => PLURAL.test(enMessages[k]) !== PLURAL.test(frMessages[k] ?? ''));
    expect(mismatched).toEqual([]);
    const broken = Object.entries(enMessages).concat(Object.entries(frMessages)).filter(([, text]) => {
      if (!PLURAL.test(text)) return false;
      try { new IntlMessageFormat(text, 'en'); return false; } catch { return true; }
    });
    expect(broken).toEqual([]);
  });
});

describe('views and the strict CSP', () => {
  const views = filesUnder(path.resolve(__dirname, '..', '..', 'views'), '.ejs');

  test('when the views are read, then none holds an inline script, style or event handler', () => {
    const offences = views.flatMap((file) => {
      const html = fs.readFileSync(file, 'utf8');
      const found: string[] = [];
      if (/\sstyle\s*=/i.test(html)) found.push('style attribute');
      if (/<style[\s>]/i.test(html)) found.push('<style> element');
      if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) found.push('inline <script>');
      if (/\son[a-z]+\s*=/i.test(html)) found.push('on* handler');
      if (/javascript:/i.test(html)) found.push('javascript: URL');
      return found.map((what) => `${path.relative(process.cwd(), file)}: ${what}`);
    });
    expect(offences).toEqual([]);
  });
});

describe('language choice', () => {
  let t: TestApp;
  beforeAll(async () => { t = await buildTestApp(); });
  afterAll(() => t.close());

  /** A cookie-keeping client and the CSRF token of the sign-in page. */
  async function visitor(acceptLanguage = 'en') {
    const agent = request.agent(t.app);
    const page = await agent.get('/login').set('Accept-Language', acceptLanguage).expect(200);
    return { agent, csrf: csrfFrom(page.text), page };
  }

  test('when the browser asks for French, then the page is French and offers English by the switcher', async () => {
    const { page } = await visitor('fr-CA,fr;q=0.9,en;q=0.5');
    expect(page.text).toContain('<html lang="fr">');
    expect(page.text).toContain('Se connecter');
    expect(page.text).toMatch(/<form method="post" action="\/lang"[^>]*aria-label="Langue"/);
    expect(page.text).toMatch(/<button type="submit" name="lang" value="fr" lang="fr" aria-current="true">Français<\/button>/);
  });

  test('when French is chosen with the switcher, then a year-long Lax cookie is set and later pages are French', async () => {
    const { agent, csrf } = await visitor('en-US');
    const res = await agent.post('/lang').type('form').send({ _csrf: csrf, lang: 'fr', next: '/login?next=%2Fusers%2Fx' }).expect(303);
    expect(res.headers.location).toBe('/login?next=%2Fusers%2Fx');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('lang='));
    expect(cookie).toMatch(/^lang=fr;/);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/HttpOnly/i);
    const maxAge = Number(/Max-Age=(\d+)/i.exec(cookie ?? '')?.[1]);
    expect(maxAge).toBe(365 * 24 * 60 * 60);

    const page = await agent.get('/login').set('Accept-Language', 'en-US').expect(200);
    expect(page.text).toContain('<html lang="fr">');
  });

  test('when the page to come back to is on another site, then the switcher goes home instead', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '']) {
      const { agent, csrf } = await visitor();
      const res = await agent.post('/lang').type('form').send({ _csrf: csrf, lang: 'en', next }).expect(303);
      expect(res.headers.location).toBe('/');
    }
  });

  test('when the language is not one we speak, or the CSRF token is missing, then nothing is set', async () => {
    const { agent, csrf } = await visitor();
    const bad = await agent.post('/lang').type('form').send({ _csrf: csrf, lang: 'de', next: '/' }).expect(400);
    expect(bad.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^lang=/)]));
    const forged = await agent.post('/lang').type('form').send({ lang: 'fr', next: '/' }).expect(403);
    expect(forged.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^lang=/)]));
  });

  test('when an error page is shown to a French browser, then its message is French too', async () => {
    const missing = await request(t.app).get('/no/such/page').set('Cookie', 'lang=fr').expect(404);
    expect(missing.text).toContain('Cette page est introuvable.');
    const forged = await request(t.app).post('/lang').set('Accept-Language', 'fr').type('form').send({ lang: 'fr' }).expect(403);
    expect(forged.text).toContain('Ce formulaire a expiré');
    const { agent, csrf } = await visitor('fr');
    const invalid = await agent.post('/lang').set('Accept-Language', 'fr').type('form').send({ _csrf: csrf, lang: 'xx' }).expect(400);
    expect(invalid.text).toContain('La demande n’est pas valide.');
  });
});
