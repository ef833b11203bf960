// The partners: the tenants every other record belongs to.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

export interface Partner {
  id: string;
  name: string;
}

export interface PartnerRepo {
  upsert(partner: Partner): Promise<void>;
  get(id: string): Promise<Partner | null>;
  list(): Promise<Partner[]>;
}
