import { z } from 'zod';
import { CODE_DIGITS, normalizeCode } from './codes';

/** The code the caller read back, as typed by the agent; the emailed grouping is accepted. */
export const checkInput = z.object({
  code: z.string().max(40).transform(normalizeCode)
    .pipe(z.string().regex(new RegExp(`^\\d{${CODE_DIGITS}}$`), { message: `must be the ${CODE_DIGITS} digits of the emailed code` })),
});

/** The Verify form also names the user whose page it came from, only to go back there. */
export const checkForm = z.object({ userId: z.string().trim().min(1).max(200) });

/** What Send code answers: the code itself never leaves the server but by email. */
export const sentCodeAnswer = z.object({
  id: z.string().describe('the verification, to check the code against'),
  sentTo: z.string(),
  expiresAt: z.string(),
});

export const checkAnswer = z.object({
  status: z.enum(['verified', 'invalid', 'expired', 'locked']),
  attemptsLeft: z.number().int().min(0),
});
