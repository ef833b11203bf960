// Seeds the demo: the demo records go through the importer, exactly as an import file would, and
// each demo partner gets a partner admin and a help-desk agent with a random password. The
// passwords exist only in the returned value, for the caller to show once; nothing is logged here.
import crypto from 'node:crypto';
import type { AuthService } from '../features/auth/auth.service';
import { isAppError } from '../errors';
import { importNdjson, type ImportSummary } from '../import/importer';
import type { AgentRole, Store } from '../store/store';
import { generateDemoData } from './demo-data';

export interface DemoAccount {
  email: string;
  /** Null when the agent existed already: it is left as it was, password included. */
  password: string | null;
  role: AgentRole;
  partnerId: string;
}

export interface SeedResult {
  accounts: DemoAccount[];
  counts: ImportSummary['imported'];
  /** Valid records the app does not apply yet (suppressions and email events). */
  deferred: ImportSummary['deferred'];
}

export const DEMO_AGENTS: ReadonlyArray<{ email: string; name: string; role: AgentRole; partnerId: string }> = [
  { email: 'admin@northwind.example', name: 'Nora Lindqvist', role: 'partner_admin', partnerId: 'p-north' },
  { email: 'agent@northwind.example', name: 'Noé Bernard', role: 'helpdesk', partnerId: 'p-north' },
  { email: 'admin@southwind.example', name: 'Sofía Ortega', role: 'partner_admin', partnerId: 'p-south' },
  { email: 'agent@southwind.example', name: 'Samuel Okafor', role: 'helpdesk', partnerId: 'p-south' },
];

export async function seedDemo(opts: {
  store: Store;
  auth: Pick<AuthService, 'createAgent'>;
  orgs?: number;
  users?: number;
  seed?: number;
}): Promise<SeedResult> {
  const { store, auth } = opts;
  const summary = await importNdjson(store, demoLines(opts));
  if (summary.failed.length > 0) {
    // The generator and the import schema disagree: a bug, not bad input.
    const first = summary.failed.slice(0, 3).map((f) => `line ${f.line}: ${f.reason}`).join('; ');
    throw new Error(`demo data failed to import (${summary.failed.length} records): ${first}`);
  }

  const accounts: DemoAccount[] = [];
  for (const a of DEMO_AGENTS) {
    if (await store.agents.getByEmail(a.email)) {
      accounts.push({ email: a.email, password: null, role: a.role, partnerId: a.partnerId });
      continue;
    }
    const password = crypto.randomBytes(15).toString('base64url');
    try {
      await auth.createAgent({ ...a, password });
      accounts.push({ email: a.email, password, role: a.role, partnerId: a.partnerId });
    } catch (err) {
      // Another process seeding at the same moment created it first: theirs stands.
      if (!isAppError(err) || err.code !== 'conflict') throw err;
      accounts.push({ email: a.email, password: null, role: a.role, partnerId: a.partnerId });
    }
  }
  return { accounts, counts: summary.imported, deferred: summary.deferred };
}

async function* demoLines(opts: { orgs?: number; users?: number; seed?: number }): AsyncIterable<string> {
  for (const record of generateDemoData(opts)) yield JSON.stringify(record);
}
