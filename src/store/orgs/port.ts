// Customer organizations, each of one partner.
// The port of this repository: its records and interface (docs/architecture.md, "The store").
import type { ScanPart } from '../common';

export type OrgStatus = 'active' | 'trial' | 'suspended';

export type SupportTier = 'online' | 'business' | 'enterprise' | 'elite';

export type SupportRegion = 'americas' | 'emea' | 'apac' | 'japan';

export interface Domain { name: string; claimed: boolean; verified: boolean }

export interface Site { url: string; type: string; status: string }

export interface WebOrder { number: string; product: string; status: string; date: string }

export interface License { sku: string; name: string; quantity: number; used: number }

export interface Subscription {
  id: string;
  plan: string;
  status: string;
  start: string;
  end: string;
  licenses: License[];
}

export interface SupportPlan {
  tier: SupportTier;
  region: SupportRegion;
  /** IANA zone of the customer's business hours when not the region's reference zone. */
  timeZone?: string | null;
}

export interface Org {
  id: string;
  partnerId: string;
  name: string;
  status: OrgStatus;
  createdAt: string;
  domains: Domain[];
  sites: Site[];
  orders: WebOrder[];
  subscriptions: Subscription[];
  supportPlan: SupportPlan | null;
  settings: Record<string, string | number | boolean>;
}

export interface OrgRepo {
  upsert(org: Org): Promise<void>;
  get(partnerId: string, id: string): Promise<Org | null>;
  count(partnerId?: string): Promise<number>;
  /** System use only (the search indexer), never with ids from a request: not scoped by partner. */
  getByIds(ids: string[]): Promise<Org[]>;
  /** Every org exactly once, in batches, in the order the store reads fastest (reindex); see ScanPart. */
  scan(batchSize: number, part?: ScanPart): AsyncIterable<Org[]>;
}
