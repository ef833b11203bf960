import { z } from 'zod';
import { deviceAnswer, lastEmailAnswer, suppressionAnswer, userAnswer } from '../../openapi/records';
import { entitlementAnswer } from '../support/support.schema';
import { IMPORT_LIMITS } from '../../import/import.schema';

/** `/devices/:id`: a device's id is the source system's, not a UUID (src/import/import.schema.ts). */
export const deviceParams = z.object({ id: z.string().min(1).max(IMPORT_LIMITS.id).describe('the device\'s id') });

/** What /api/v1/users/{id} answers (users.service.ts, UserView, plus the last email at the top). */
export const userViewAnswer = z.object({
  user: userAnswer,
  org: z.object({ id: z.string(), name: z.string(), status: z.enum(['active', 'trial', 'suspended']) }),
  devices: z.array(deviceAnswer),
  suppression: suppressionAnswer.nullable(),
  support: entitlementAnswer,
  lastEmail: lastEmailAnswer.nullable(),
  licenseNames: z.record(z.string(), z.string()).describe('the user\'s license SKUs → their names in the org\'s subscriptions'),
});

/** What /api/v1/devices/{id} answers (users.service.ts, DeviceView). */
export const deviceViewAnswer = z.object({
  device: deviceAnswer,
  org: z.object({ id: z.string(), name: z.string() }),
  owner: z.object({ id: z.string(), displayName: z.string(), email: z.string() }).nullable(),
});
