// One-time notices across a redirect (src/http/flash.ts): each kind is shown once, kinds do not
// take each other's, the session keeps nothing once all are shown, and a refusal becomes a notice
// only when the page's table names its code.
import type { Request } from 'express';
import { conflict, invalid, notFound, unavailable } from '../../src/errors';
import { LocalizedRefusal } from '../../src/http/action-context';
import { flash, refusalNotice, takeFlash } from '../../src/http/flash';
// The kinds the features name (declaration merging), as the app has them.
import '../../src/features/verification/verification.routes';
import '../../src/features/suppression/suppression.routes';

const requestWith = (session: Record<string, unknown> = {}) => {
  const warnings: unknown[] = [];
  const req = { session, log: { warn: (...args: unknown[]) => warnings.push(args) } } as unknown as Request;
  return { req, session, warnings };
};

describe('flash', () => {
  test('when a notice is flashed, then the next page takes it once, and the other kinds stay for their page', () => {
    const { req, session } = requestWith({ agentId: 'a-1' });
    flash(req, 'verification', { tone: 'info', key: 'verification.notice.sent', params: { address: 'h***@dupre.example' } });
    flash(req, 'email', { tone: 'ok', key: 'suppression.notice.cleared' });

    expect(takeFlash(req, 'verification')).toEqual({ tone: 'info', key: 'verification.notice.sent', params: { address: 'h***@dupre.example' } });
    expect(takeFlash(req, 'verification')).toBeNull();
    expect(takeFlash(req, 'clearForm')).toBeNull();
    expect(takeFlash(req, 'email')).toEqual({ tone: 'ok', key: 'suppression.notice.cleared' });
    // Nothing left behind in the stored session once every notice was shown.
    expect(session).toEqual({ agentId: 'a-1' });
  });

  test('when a second notice of the same kind is flashed before a page shows the first, then only the last is shown', () => {
    const { req } = requestWith();
    flash(req, 'email', { tone: 'ok', key: 'suppression.notice.cleared' });
    flash(req, 'email', { tone: 'info', key: 'suppression.notice.welcomeSent', params: { address: 'x' } });
    expect(takeFlash(req, 'email')?.key).toBe('suppression.notice.welcomeSent');
  });
});

describe('refusalNotice', () => {
  const table = { invalid: 'verification.error.badFormat', unavailable: 'verification.error.mailDown' } as const;

  test('when the error code is in the page\'s table, then it is an error notice with that key; a server fault is logged', () => {
    const { req, warnings } = requestWith();
    expect(refusalNotice(req, invalid('bad code'), table)).toEqual({ tone: 'error', key: 'verification.error.badFormat' });
    expect(warnings).toHaveLength(0);
    expect(refusalNotice(req, unavailable('smtp down'), table)).toEqual({ tone: 'error', key: 'verification.error.mailDown' });
    expect(warnings).toHaveLength(1);
  });

  test('when the refusal carries its own words, then they are said, whatever the table', () => {
    const { req } = requestWith();
    const refusal = new LocalizedRefusal(conflict('too many sends'), 'verification.error.userLimit', { minutes: 10 });
    expect(refusalNotice(req, refusal, {})).toEqual({ tone: 'error', key: 'verification.error.userLimit', params: { minutes: 10 } });
  });

  test('when the table has a function for the code, then it gives the key and values from the error', () => {
    const { req } = requestWith();
    const notice = refusalNotice(req, conflict('the last partner admin'), { conflict: (err) => ({ key: 'admin.notice.refused', params: { reason: err.message } }) });
    expect(notice).toEqual({ tone: 'error', key: 'admin.notice.refused', params: { reason: 'the last partner admin' } });
  });

  test('when the code is not in the table, or it is no app error, then it is thrown again for the error page', () => {
    const { req } = requestWith();
    const missing = notFound('User');
    expect(() => refusalNotice(req, missing, table)).toThrow(missing);
    const crash = new Error('boom');
    expect(() => refusalNotice(req, crash, table)).toThrow(crash);
  });
});
