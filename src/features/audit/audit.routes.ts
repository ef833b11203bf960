// The audit log for partner admins: /audit (filters, paging) and /audit.csv (the same filters).
import { Router, type Request } from 'express';
import type { Clock } from '../../clock';
import { parseInput } from '../../http/validate';
import type { AgentPrincipal } from '../../http/request-context';
import type { Store } from '../../store/store';
import { requireAgentPage, requirePartnerAdmin } from '../auth/auth.middleware';
import { auditFilters, utc, type AuditFilters } from './audit.schema';
import type { AuditLog, AuditReader, AuditSearch } from './audit.service';
import { csvRow } from './csv';

export const AUDIT_PAGE_SIZE = 50;
const CSV_COLUMNS = ['at', 'actor_id', 'actor_email', 'actor_role', 'partner_id', 'org_id', 'subject', 'action', 'outcome',
  'client_ip', 'request_id', 'detail'];

/** Form values are UTC; a bare day as the end of a range includes that whole day. */
function toSearch(f: AuditFilters): AuditSearch {
  const iso = (v: string) => new Date(utc(v)).toISOString();
  let to = f.to ? iso(f.to) : undefined;
  if (f.to && !f.to.includes('T')) to = new Date(Date.parse(to!) + 86_400_000).toISOString();
  return { orgId: f.org, subject: f.user, actorId: f.agent, action: f.action, from: f.from ? iso(f.from) : undefined, to };
}

const filtersOf = (req: Request) => {
  const f = parseInput(auditFilters, req.query);
  return { f, search: toSearch(f) };
};

export function auditRoutes(reader: AuditReader, audit: AuditLog, store: Store, clock: Clock): Router {
  const router = Router();
  const agentEmails = async (partnerId: string) =>
    new Map((await store.agents.listByPartner(partnerId)).map((a) => [a.id, a.email]));

  router.get('/audit', requireAgentPage, requirePartnerAdmin, async (req, res) => {
    const p = req.principal as AgentPrincipal;
    const { f, search } = filtersOf(req);
    const [{ events, total }, agents] = await Promise.all([
      reader.page(p.partnerId, search, AUDIT_PAGE_SIZE, (f.page - 1) * AUDIT_PAGE_SIZE),
      agentEmails(p.partnerId),
    ]);
    const query = new URLSearchParams(Object.entries({ org: f.org, user: f.user, agent: f.agent, action: f.action, from: f.from, to: f.to })
      .filter((e): e is [string, string] => !!e[1]));
    res.render('audit/audit', {
      title: req.t('audit.title'), events, total, f, agents, query: query.toString(),
      pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)),
    });
  });

  router.get('/audit.csv', requireAgentPage, requirePartnerAdmin, async (req, res) => {
    const p = req.principal as AgentPrincipal;
    const { search } = filtersOf(req);
    // The export ends where it started: events recorded while it streams would shift the pages.
    const bounded = { ...search, to: search.to ?? new Date(clock.now().getTime() + 1).toISOString() };
    const agents = await agentEmails(p.partnerId);
    await audit.record(req, { action: 'audit.export', detail: { filters: search } });
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="audit-${clock.now().toISOString().slice(0, 10)}.csv"`);
    res.write(csvRow(CSV_COLUMNS));
    for await (const events of reader.all(p.partnerId, bounded)) {
      res.write(events.map((e) => csvRow([e.at, e.actorId, e.actorId ? agents.get(e.actorId) ?? '' : '', e.actorRole, e.partnerId,
        e.orgId, e.subject, e.action, e.outcome, e.clientIp, e.requestId, e.detail])).join(''));
    }
    res.end();
  });

  return router;
}
