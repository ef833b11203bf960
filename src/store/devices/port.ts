// The devices of customer organizations, each optionally owned by one of their users.
// The port of this repository: its records and interface (docs/architecture.md, "The store").
import type { Page, ScanPart } from '../common';

export interface Device {
  id: string;
  orgId: string;
  /** Derived from the org at write time; never taken from input. */
  partnerId: string;
  ownerUserId: string | null;
  displayName: string;
  model: string;
  serial: string;
  mac: string;
  sipAddress: string;
  status: string;
}

export type DeviceInput = Omit<Device, 'partnerId'>;

export interface DeviceRepo {
  upsert(device: DeviceInput): Promise<Device>;
  get(partnerId: string, id: string): Promise<Device | null>;
  listByOrg(partnerId: string, orgId: string, page: Page): Promise<Device[]>;
  countByOrg(partnerId: string, orgId: string): Promise<number>;
  listByOwner(partnerId: string, ownerUserId: string): Promise<Device[]>;
  count(partnerId?: string): Promise<number>;
  /** System use only (the search indexer), never with ids from a request: not scoped by partner. */
  getByIds(ids: string[]): Promise<Device[]>;
  scan(batchSize: number, part?: ScanPart): AsyncIterable<Device[]>;
}
