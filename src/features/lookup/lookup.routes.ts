import { Router, type Request } from 'express';
import { validate } from '../../http/validate';
import type { AuditLog } from '../audit/audit.service';
import { requireAgentPage } from '../auth/auth.middleware';
import { lookupQuery } from './lookup.schema';
import type { LookupAnswer, LookupService } from './lookup.service';

const PAGES = { user: '/users/', device: '/devices/', org: '/orgs/' } as const;

// The raw caller id never reaches the trail: only the number as read, and how many records it found.
function auditLookup(audit: AuditLog, req: Request, answer: LookupAnswer, via?: 'api') {
  const only = answer.hits.length === 1 ? answer.hits[0]! : null;
  return audit.record(req, {
    action: 'lookup',
    orgId: only?.orgId ?? null,
    subject: only ? `${only.kind}:${only.id}` : null,
    detail: { phone: answer.normalized, hits: answer.hits.length, ...(via ? { via } : {}) },
  });
}

export function lookupPageRoutes(lookup: LookupService, audit: AuditLog): Router {
  const router = Router();
  // Opened by the phone system when a call rings: one match opens its page, several are a choice,
  // none is the search page with the number typed in.
  router.get('/lookup', requireAgentPage, validate({ query: lookupQuery }, async (req, res) => {
    const { phone } = req.input.query;
    const answer = await lookup.lookup(req.principal!, phone);
    await auditLookup(audit, req, answer);
    if (answer.hits.length === 1) {
      const hit = answer.hits[0]!;
      return res.redirect(303, PAGES[hit.kind] + encodeURIComponent(hit.id));
    }
    if (answer.hits.length === 0) {
      return res.redirect(303, `/?q=${encodeURIComponent(answer.normalized ?? phone)}`);
    }
    res.render('lookup/choose', { title: req.t('lookup.title'), number: answer.normalized, result: answer });
  }));
  return router;
}

export function lookupApiRoutes(lookup: LookupService, audit: AuditLog): Router {
  const router = Router();
  router.get('/lookup', validate({ query: lookupQuery }, async (req, res) => {
    const answer = await lookup.lookup(req.principal!, req.input.query.phone);
    await auditLookup(audit, req, answer, 'api');
    res.json({ hits: answer.hits, degraded: answer.degraded });
  }));
  return router;
}
