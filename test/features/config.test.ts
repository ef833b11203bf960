import { ConfigError, loadConfig } from '../../src/config';
import { tempDir } from '../helpers/test-app';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ DATA_DIR: tempDir(), ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
};

describe('configuration', () => {
  test('when nothing is configured, then the app runs on the embedded default with generated secrets kept in DATA_DIR', () => {
    const dir = tempDir();
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.port).toBe(3000);
    expect(a.processes).toBe(1);
    expect(a.mongodbUri).toBeUndefined();
    expect(a.meili).toBeUndefined();
    expect(a.smtpUrl).toBeUndefined();
    expect(a.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(b.sessionSecret).toBe(a.sessionSecret);
    expect(b.codeSecret).toBe(a.codeSecret);
  });

  test.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['WEB_CONCURRENCY', { WEB_CONCURRENCY: '0' }],
    ['WEB_CONCURRENCY', { WEB_CONCURRENCY: 'two' }],
    ['MONGODB_URI', { MONGODB_URI: 'http://db' }],
    ['MEILI_HOST', { MEILI_HOST: 'not a url' }],
    ['SMTP_URL', { SMTP_URL: 'mail.example.com' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://x' }],
    ['SESSION_SECRET', { SESSION_SECRET: 'short' }],
  ])('when %s is invalid, then start-up stops with a message naming it', (name, env) => {
    expect(problemsOf(env)).toContain(`${name}:`);
  });

  test('when NODE_ENV=production without secrets or PUBLIC_URL, then each is named at once', () => {
    const message = problemsOf({ NODE_ENV: 'production' });
    expect(message).toContain('SESSION_SECRET');
    expect(message).toContain('CODE_SECRET');
    expect(message).toContain('PUBLIC_URL: required');
  });

  test('when NODE_ENV=production with an http PUBLIC_URL, then start-up stops: cookies must be Secure', () => {
    const secrets = { SESSION_SECRET: 's'.repeat(32), CODE_SECRET: 'c'.repeat(32) };
    expect(problemsOf({ NODE_ENV: 'production', ...secrets, PUBLIC_URL: 'http://helpdesk.example.com' }))
      .toContain('PUBLIC_URL: must start with https://');
    const ok = loadConfig({ DATA_DIR: tempDir(), NODE_ENV: 'production', ...secrets, PUBLIC_URL: 'https://helpdesk.example.com' });
    expect(ok.https).toBe(true);
  });

  test('when PUBLIC_URL is https, then cookies are marked for HTTPS', () => {
    const c = loadConfig({ DATA_DIR: tempDir(), PUBLIC_URL: 'https://helpdesk.example.com/' });
    expect(c.https).toBe(true);
    expect(c.publicUrl).toBe('https://helpdesk.example.com');
  });
});
