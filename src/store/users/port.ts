// The users of customer organizations, with the last mail each was sent.
// The port of this repository: its records and interface (docs/architecture.md, "The store").
import type { Page, ScanPart } from '../common';

export type UserStatus = 'active' | 'pending' | 'inactive';

export type EmailKind = 'welcome' | 'activation' | 'verification' | string;

/** `sent`: the app handed it to the mail server; the provider's events move it on. */
export type EmailState = 'sent' | 'delivered' | 'bounced' | 'deferred' | 'suppressed';

export interface LastEmail {
  kind: EmailKind;
  status: EmailState;
  at: string;
  detail: string;
}

export interface User {
  id: string;
  orgId: string;
  /** Derived from the org at write time; never taken from input. */
  partnerId: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
  phone: string;
  sipAddress: string;
  status: UserStatus;
  createdAt: string;
  roles: string[];
  licenses: string[];
  features: string[];
  supportContactFor: string[];
  lastEmail: LastEmail | null;
}

/** Input of an org/user/device upsert: partnerId of users and devices is derived from the org. */
export type UserInput = Omit<User, 'partnerId'>;

export interface UserRepo {
  /** Throws AppError 'invalid' when the org does not exist. */
  upsert(user: UserInput): Promise<User>;
  get(partnerId: string, id: string): Promise<User | null>;
  listByOrg(partnerId: string, orgId: string, page: Page): Promise<User[]>;
  countByOrg(partnerId: string, orgId: string): Promise<number>;
  /** Users of the org holding any admin role. */
  listAdmins(partnerId: string, orgId: string): Promise<User[]>;
  findByEmail(partnerId: string, email: string): Promise<User[]>;
  /** Users with role full_admin and this address, in any partner. System use only: customer admin sign-in. */
  findFullAdminsByEmail(email: string): Promise<User[]>;
  count(partnerId?: string): Promise<number>;
  /** System use only (the search indexer), never with ids from a request: not scoped by partner. */
  getByIds(ids: string[]): Promise<User[]>;
  scan(batchSize: number, part?: ScanPart): AsyncIterable<User[]>;
  /**
   * System use only (mail provider events), never with an address from an agent's request: sets
   * `lastEmail` on every user with this address, in any partner, whose lastEmail is absent or not
   * newer (`at`), so an older event arriving late never overwrites a newer one. Records a change
   * per updated user; returns how many were updated. With `partnerId`, only that partner's users
   * with this address: the event was about that partner's mail.
   */
  recordLastEmail(email: string, lastEmail: LastEmail, partnerId?: string): Promise<number>;
}
