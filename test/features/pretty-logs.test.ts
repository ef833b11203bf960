// Logs: JSON for programs, pretty for a person at a terminal outside production, secrets hidden in both.
import { createLogger, prettyWhenInteractive } from '../../src/logger';

function collect() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => { lines.push(line); } } };
}

describe('pretty logs', () => {
  test('when standard output is a terminal outside production, then lines are pretty; in production or in a pipe they stay JSON', () => {
    expect(prettyWhenInteractive({ production: true, isTTY: true })).toBeNull();
    expect(prettyWhenInteractive({ production: false, isTTY: false })).toBeNull();
    expect(prettyWhenInteractive({ production: false, isTTY: undefined })).toBeNull();
    const pretty = prettyWhenInteractive({ production: false, isTTY: true });
    expect(pretty).not.toBeNull();
    const line = pretty!(JSON.stringify({ level: 30, time: Date.parse('2026-12-02T10:00:00Z'), pid: 1, hostname: 'h', msg: 'listening on http://localhost:3000', port: 3000 }));
    expect(line).toContain('listening on http://localhost:3000');
    expect(line).toContain('port');
    expect(() => JSON.parse(line)).toThrow();
  });

  test('when a secret is logged, then the pretty line hides it as the JSON line does', () => {
    const pretty = prettyWhenInteractive({ production: false, isTTY: true })!;
    const out = collect();
    const logger = createLogger('info', { write: (line: string) => out.stream.write(pretty(line)) });
    logger.info({ user: { password: 'hunter2-secret', token: 'tok-secret' } }, 'signed in');
    const json = collect();
    createLogger('info', json.stream).info({ user: { password: 'hunter2-secret' } }, 'signed in');
    expect(out.lines.join('')).toContain('[redacted]');
    expect(out.lines.join('') + json.lines.join('')).not.toMatch(/hunter2-secret|tok-secret/);
    expect(JSON.parse(json.lines[0]).user.password).toBe('[redacted]');
  });
});
