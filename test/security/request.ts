// Sends one table row's request as one role: the role's session cookie and CSRF token, or for the
// JSON API an agent's Bearer token.
import request from 'supertest';
import type { Express } from 'express';
import type { RouteRow } from './route-table';
import type { Role, World } from './world';

export interface SendOptions {
  /** 'valid' (default), 'missing' or 'wrong': the CSRF token sent with a session POST. */
  csrf?: 'valid' | 'missing' | 'wrong';
  method?: 'GET' | 'POST';
  /** Send the session cookie even to the API (as the app's own pages do), never a Bearer token. */
  viaSession?: boolean;
}

export function send(app: Express, w: World, row: RouteRow, role: Role, o: SendOptions = {}): request.Test {
  const creds = w.creds[role];
  const method = o.method ?? row.method;
  const url = row.url(w);
  // An integration token has no session: it sends its Bearer token to every route, pages included.
  const bearer = (row.surface === 'api' || role === 'integration') && !o.viaSession && creds.token;
  let req = method === 'GET' ? request(app).get(url) : request(app).post(url);
  req = bearer ? req.set('Authorization', `Bearer ${creds.token}`) : req.set('Cookie', creds.cookie);
  req = req.set('Accept', row.surface === 'api' ? 'application/json' : 'text/html');
  if (method === 'GET') return req;
  const body = row.body?.(w) ?? {};
  if (bearer) return req.send(body);
  const csrf = o.csrf ?? 'valid';
  const token = csrf === 'valid' ? creds.csrf : csrf === 'wrong' ? `${creds.csrf.slice(0, -4)}AAAA` : undefined;
  const withToken = token ? { ...body, _csrf: token } : body;
  return row.surface === 'api' ? req.send(withToken) : req.type('form').send(withToken);
}

/** Whether an answer is the outcome the table expects; a description of the mismatch otherwise. */
export function mismatch(res: request.Response, expected: number | number[] | { redirect: string }): string | null {
  if (typeof expected === 'number') return res.status === expected ? null : `expected ${expected}, got ${res.status}`;
  if (Array.isArray(expected)) return expected.includes(res.status) ? null : `expected one of ${expected.join('/')}, got ${res.status}`;
  const location = String(res.headers.location ?? '');
  return res.status === 303 && location.startsWith(expected.redirect)
    ? null : `expected 303 to ${expected.redirect}…, got ${res.status} ${location}`;
}
