// The user page's story: who is calling, in which org, with what roles, licenses, devices and email state.
import { notFound } from '../../errors';
import type { Principal } from '../../http/request-context';
import type { Device, Org, Store, Suppression, User } from '../../store/store';
import { suppressionSeenBy } from '../suppression/suppression.service';
import type { EntitlementView, SupportService } from '../support/support.service';
import type { Priority } from '../support/support-tables';

export interface UserView {
  user: User;
  org: Pick<Org, 'id' | 'name' | 'status'>;
  devices: Device[];
  /** The user's address on the suppression list, or null (read through the user, never by a given address). */
  suppression: Suppression | null;
  /** Named support contact for which products; licensed for the product asked about. */
  support: EntitlementView;
  /** The user's license SKUs → their names in the org's subscriptions (SKUs no subscription names are left out). */
  licenseNames: Record<string, string>;
}

export interface DeviceView {
  device: Device;
  org: Pick<Org, 'id' | 'name'>;
  owner: Pick<User, 'id' | 'displayName' | 'email'> | null;
}

export interface UsersService {
  /** `product` and `priority`: what the caller calls about, for the entitlement answer. */
  view(principal: Principal, id: string, product?: string, priority?: Priority): Promise<UserView>;
  deviceView(principal: Principal, id: string): Promise<DeviceView>;
}

/** Names the org's subscriptions give these license SKUs. */
function licenseNamesOf(org: Org, skus: readonly string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const s of org.subscriptions) for (const l of s.licenses) if (skus.includes(l.sku) && l.name) names[l.sku] ??= l.name;
  return names;
}

export function createUsersService(store: Store, support: SupportService): UsersService {
  const orgOf = async (partnerId: string, orgId: string) => {
    const org = await store.orgs.get(partnerId, orgId);
    // A user's org is in the same partner by construction; a dangling reference is a missing record.
    if (!org) throw notFound('Organization');
    return org;
  };

  return {
    async view(principal, id, product, priority) {
      const user = await store.users.get(principal.partnerId, id);
      if (!user) throw notFound('User');
      const [org, devices, suppression] = await Promise.all([
        orgOf(principal.partnerId, user.orgId),
        store.devices.listByOwner(principal.partnerId, user.id),
        store.suppressions.get(user.email).then((s) => suppressionSeenBy(principal.partnerId, s)),
      ]);
      return {
        user, org: { id: org.id, name: org.name, status: org.status }, devices, suppression, support: support.entitlement(org, user, product, priority),
        licenseNames: licenseNamesOf(org, user.licenses),
      };
    },
    async deviceView(principal, id) {
      const device = await store.devices.get(principal.partnerId, id);
      if (!device) throw notFound('Device');
      const [org, owner] = await Promise.all([
        orgOf(principal.partnerId, device.orgId),
        device.ownerUserId ? store.users.get(principal.partnerId, device.ownerUserId) : null,
      ]);
      return {
        device,
        org: { id: org.id, name: org.name },
        owner: owner ? { id: owner.id, displayName: owner.displayName, email: owner.email } : null,
      };
    },
  };
}
