import { z } from 'zod';
import { isTimeZone } from '../../http/time-zone';

/** An IANA zone name as the browser reports it ("Asia/Tokyo"); nothing else reaches the session. */
export const timeZoneInput = z.object({
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'not an IANA time zone'),
});
