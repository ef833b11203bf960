// Named support contacts: kept on the user record (users/), listed and changed here with the quota checked.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

/** A named support contact as listed: one user of the org for one product. */
export interface SupportContact { product: string; userId: string; displayName: string; email: string }

export type AddSupportContactResult = 'added' | 'already' | 'quota_reached' | 'no_such_user';

/**
 * Named support contacts. The user record's `supportContactFor` is the one source of
 * truth (the import writes it); this repo lists it per org and changes it with the quota checked in
 * the same transaction, so two additions at once never exceed the quota.
 */
export interface SupportContactRepo {
  /** Contacts of the org, by product, then display name. */
  listByOrg(partnerId: string, orgId: string): Promise<SupportContact[]>;
  /** Makes the org's user a contact for `product` unless the org already has `quota` contacts for it. */
  add(partnerId: string, orgId: string, userId: string, product: string, quota: number): Promise<AddSupportContactResult>;
  /** True when the user was a contact for `product` and no longer is. */
  remove(partnerId: string, orgId: string, userId: string, product: string): Promise<boolean>;
}
