// The import as one partner's sync job may run it (POST /api/v1/import with an integration token):
// every line must stay inside the token's partner. A line about another partner, an org of another
// partner or a record under one is refused on its own, with its line number, and every other line
// is kept. A record of another partner is named exactly like one that does not exist in this
// partner, so the refusal tells nothing about other tenants beyond "not yours".
//
// Suppression entries and email events are refused too: the suppression list and an address's
// email state are the platform's, shared by every partner whose users have that address, so one
// partner's job must not write them (they come from the mail provider's webhook or the command line).
import type { ImportRecord } from './import.schema';
import type { ImportSummary } from './importer';
import type { Store } from '../store/store';

export type LineOutcome = 'added' | 'updated' | 'deleted' | 'unchanged';

/** The per-line report an import answers (README, JSON API): counts by outcome and every refused or bad line. */
export interface ImportReport {
  added: number;
  updated: number;
  deleted: number;
  unchanged: number;
  errors: Array<{ line: number; reason: string }>;
}

export interface PartnerScope {
  admit(record: ImportRecord, line: number): Promise<string | null>;
  /** The report once the import ran: outcomes of admitted lines, minus those the store then refused. */
  report(summary: ImportSummary): ImportReport;
}

type Entity = 'org' | 'user' | 'device';

export function partnerScope(store: Store, partnerId: string): PartnerScope {
  // Line number → what the line did; only admitted lines are here. One small entry a line, so a
  // body at the size limit (50 MB) holds a few MB here at most.
  const outcomes = new Map<number, LineOutcome>();

  const find = async (entity: Entity, id: string) => {
    const [found] = entity === 'org' ? await store.orgs.getByIds([id])
      : entity === 'user' ? await store.users.getByIds([id]) : await store.devices.getByIds([id]);
    return found ?? null;
  };
  const notHere = (entity: Entity, id: string) => `id: no ${entity} ${id} in partner ${partnerId}`;

  async function admitUpsert(entity: Entity, id: string, line: number): Promise<string | null> {
    const found = await find(entity, id);
    if (found && found.partnerId !== partnerId) return notHere(entity, id);
    outcomes.set(line, found ? 'updated' : 'added');
    return null;
  }

  async function admit(record: ImportRecord, line: number): Promise<string | null> {
    switch (record.kind) {
      case 'partner':
        if (record.id !== partnerId) return `id: partner ${record.id} is not this token's partner (${partnerId})`;
        outcomes.set(line, 'updated');
        return null;
      case 'org':
        if (record.partnerId !== partnerId) return `partnerId: ${record.partnerId} is not this token's partner (${partnerId})`;
        return admitUpsert('org', record.id, line);
      case 'user':
      case 'device':
        if (!(await store.orgs.get(partnerId, record.orgId))) return `orgId: no org ${record.orgId} in partner ${partnerId}`;
        return admitUpsert(record.kind, record.id, line);
      case 'suppression':
      case 'email_event':
        return `kind: ${record.kind} lines change mail state shared by every partner; they come from the mail provider's webhook or the helpdesk command, not an integration token`;
      default:
        return admitOther(record as unknown as { kind?: unknown; of?: unknown; id?: unknown }, line);
    }
  }

  /** A deletion line ({"kind":"delete","of":…,"id":…}): only of this partner's records; anything else is refused. */
  async function admitOther(record: { kind?: unknown; of?: unknown; id?: unknown }, line: number): Promise<string | null> {
    const { kind, of, id } = record;
    if (kind !== 'delete' || (of !== 'org' && of !== 'user' && of !== 'device') || typeof id !== 'string') {
      return `kind: ${String(kind)} lines are not accepted with an integration token`;
    }
    const found = await find(of, id);
    if (found && found.partnerId !== partnerId) return notHere(of, id);
    outcomes.set(line, found ? 'deleted' : 'unchanged');
    return null;
  }

  function report(summary: ImportSummary): ImportReport {
    const counts: Record<LineOutcome, number> = { added: 0, updated: 0, deleted: 0, unchanged: 0 };
    const failed = new Set(summary.failed.map((f) => f.line));
    for (const [line, outcome] of outcomes) if (!failed.has(line)) counts[outcome] += 1;
    // Bad JSON is found while reading, a refusal while applying: the report lists them in file order.
    const errors = [...summary.failed].sort((a, b) => a.line - b.line);
    return { ...counts, errors };
  }

  return { admit, report };
}
