// The audit log for partner admins: /audit (filters, paging) and /audit.csv (the same filters).
import { Router, type Request } from 'express';
import type { Clock } from '../../clock';
import { parseInput } from '../../http/validate';
import type { AgentPrincipal } from '../../http/request-context';
import type { Store } from '../../store/store';
import { requireAgentPage, requirePartnerAdmin } from '../auth/auth.middleware';
import { AUDIT_ACTION_FAMILIES, auditFilters, utc, type AuditFilters } from './audit.schema';
import type { AuditLog, AuditReader, AuditSearch } from './audit.service';
import { createAuditNames, withNames } from './audit-names.service';
import type { SearchService } from '../search/search.service';
import { csvRow } from './csv';

export const AUDIT_PAGE_SIZE = 50;
const CSV_COLUMNS = ['at', 'actor_id', 'actor_email', 'actor_role', 'partner_id', 'org_id', 'subject', 'action', 'outcome',
  'client_ip', 'request_id', 'detail', 'actor_name', 'org_name', 'subject_name'];

/** Form values are UTC; a bare day as the end of a range includes that whole day. */
function toSearch(f: AuditFilters): AuditSearch {
  const iso = (v: string) => new Date(utc(v)).toISOString();
  let to = f.to ? iso(f.to) : undefined;
  if (f.to && !f.to.includes('T')) to = new Date(Date.parse(to!) + 86_400_000).toISOString();
  return { actionPrefix: f.action, from: f.from ? iso(f.from) : undefined, to };
}

export function auditRoutes(reader: AuditReader, audit: AuditLog, store: Store, clock: Clock, search: SearchService): Router {
  const router = Router();
  const names = createAuditNames(store, search);
  const agentEmails = async (partnerId: string) =>
    new Map((await store.agents.listByPartner(partnerId)).map((a) => [a.id, a.email]));

  /** The filters as typed, and the store query once names are resolved to ids of the reader's partner. */
  const filtersOf = async (req: Request) => {
    const f = parseInput(auditFilters, req.query);
    const resolved = await names.resolve(req.principal!, { org: f.org, user: f.user, agent: f.agent });
    return { f, resolved, search: withNames(toSearch(f), resolved) };
  };

  router.get('/audit', requireAgentPage, requirePartnerAdmin, async (req, res) => {
    const p = req.principal as AgentPrincipal;
    const { f, resolved, search } = await filtersOf(req);
    const [{ events, total }, agents] = await Promise.all([
      reader.page(p.partnerId, search, AUDIT_PAGE_SIZE, (f.page - 1) * AUDIT_PAGE_SIZE),
      store.agents.listByPartner(p.partnerId),
    ]);
    const query = new URLSearchParams(Object.entries({ org: f.org, user: f.user, agent: f.agent, action: f.action, from: f.from, to: f.to })
      .filter((e): e is [string, string] => !!e[1]));
    // An action typed into an old link (`test.event`) stays selectable next to the families.
    const families: string[] = [...AUDIT_ACTION_FAMILIES];
    if (f.action && !families.includes(f.action)) families.push(f.action);
    res.render('audit/audit', {
      title: req.t('audit.title'), events, total, f, agents, families, resolved, query: query.toString(),
      names: await names.namesFor(p.partnerId, events),
      pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)),
    });
  });

  router.get('/audit.csv', requireAgentPage, requirePartnerAdmin, async (req, res) => {
    const p = req.principal as AgentPrincipal;
    const { search } = await filtersOf(req);
    // The export ends where it started: events recorded while it streams would shift the pages.
    const bounded = { ...search, to: search.to ?? new Date(clock.now().getTime() + 1).toISOString() };
    const agents = await agentEmails(p.partnerId);
    await audit.record(req, { action: 'audit.export', detail: { filters: search } });
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="audit-${clock.now().toISOString().slice(0, 10)}.csv"`);
    res.write(csvRow(CSV_COLUMNS));
    for await (const events of reader.all(p.partnerId, bounded)) {
      const n = await names.namesFor(p.partnerId, events);
      res.write(events.map((e) => csvRow([e.at, e.actorId, e.actorId ? agents.get(e.actorId) ?? '' : '', e.actorRole, e.partnerId,
        e.orgId, e.subject, e.action, e.outcome, e.clientIp, e.requestId, e.detail,
        e.actorId ? n.actors.get(e.actorId) ?? '' : '', e.orgId ? n.orgs.get(e.orgId) ?? '' : '',
        e.subject ? n.subjects.get(e.subject) ?? '' : ''])).join(''));
    }
    res.end();
  });

  return router;
}
