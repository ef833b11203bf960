// Deletion, transfer and erasure (docs/data-lifecycle.md).
// The port of this repository: its records and interface (docs/architecture.md, "The store").
import type { AuditEvent } from '../audit/port';
import type { Device } from '../devices/port';
import type { Org } from '../orgs/port';
import type { User } from '../users/port';

/** Which records a lifecycle write may touch: a partner's only, or (no partnerId) any, for the operator's CLI. */
export interface LifecycleScope {
  partnerId?: string;
  at: Date;
}

/** What ending an org's relations took with it (its grants, requests and customer admins' sessions). */
export interface EndedAccess {
  grantsRevoked: number;
  requestsClosed: number;
  sessionsEnded: number;
}

export interface OrgDeletion extends EndedAccess {
  org: Org;
  users: number;
  devices: number;
}

export interface OrgTransfer extends EndedAccess {
  /** The org as it is now, under the new partner. */
  org: Org;
  fromPartnerId: string;
  users: number;
  devices: number;
}

/** What erasing a person's address removed (docs/data-lifecycle.md). */
export interface Erasure {
  users: User[];
  verifications: number;
  suppression: boolean;
  emailEvents: number;
  magicLinks: number;
}

export type LifecycleKind = 'org' | 'user' | 'device';

/**
 * Deletion, transfer and erasure (docs/data-lifecycle.md). Every write leaves a change row per
 * record it removed or moved, in the same transaction where the backend has them, so every search
 * index drops or moves the record as it does for an update. System use only: callers are the
 * import (scoped by partner when it has one) and the operator's CLI, never request data.
 */
export interface LifecycleRepo {
  /** Deletes the org with its users and devices, revokes its grants, closes its pending requests and
   * ends its customer admins' sessions; null when there is no such org (in scope). */
  deleteOrg(id: string, scope: LifecycleScope): Promise<OrgDeletion | null>;
  /** Deletes the user and their verifications; devices they owned keep no owner. Null when absent. */
  deleteUser(id: string, scope: LifecycleScope): Promise<User | null>;
  deleteDevice(id: string, scope: LifecycleScope): Promise<Device | null>;
  /**
   * Moves the org with its users and devices to another partner in one unit, and ends what the
   * old partner held on it (grants, pending requests, verifications pending, customer sessions).
   * Null when there is no such org; AppError invalid for an unknown partner, conflict when it is
   * the partner already.
   */
  transferOrg(id: string, toPartnerId: string, at: Date): Promise<OrgTransfer | null>;
  /** Ids of the partner's records of one kind, a batch at a time (a full sync's sweep); ids only, never records. */
  ids(kind: LifecycleKind, partnerId: string, batchSize: number): AsyncIterable<string[]>;
  /** Deletes every user with this address (any partner), their verifications, the suppression entry and email events. */
  eraseEmail(email: string): Promise<Erasure>;
  /**
   * Rewrites the audit events about these users or naming this address (as actor, subject or in
   * their detail) with `rewrite`; returns how many changed.
   */
  rewriteAudit(match: { userIds: string[]; email: string }, rewrite: (e: AuditEvent) => AuditEvent): Promise<number>;
}
