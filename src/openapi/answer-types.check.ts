// Compile-time only: each answer schema of the API says exactly what its service returns. A field
// added to a service's return type, or to a record, without its schema fails the typecheck here.
import type { z } from 'zod';
import type { searchAnswer } from '../features/search/search.schema';
import type { SearchAnswer } from '../features/search/search.service';
import type { orgViewAnswer } from '../features/orgs/orgs.schema';
import type { OrgView } from '../features/orgs/orgs.service';
import type { deviceViewAnswer, userViewAnswer } from '../features/users/users.schema';
import type { DeviceView, UserView } from '../features/users/users.service';
import type { emailStateAnswer } from '../features/suppression/suppression.schema';
import type { EmailState } from '../features/suppression/suppression.service';
import type { checkAnswer, sentCodeAnswer } from '../features/verification/verification.schema';
import type { CheckResult, SentCode } from '../features/verification/verification.service';
import type { readOnlyOrgViewAnswer, readOnlyUserViewAnswer } from '../features/read-only-view/read-only-view.schema';
import type { ReadOnlyOrgView, ReadOnlyUserView } from '../features/read-only-view/read-only-view.service';

/** True when A and B accept the same values (both ways assignable, optional keys included). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? (keyof A extends keyof B ? (keyof B extends keyof A ? true : false) : false) : false) : false;
type Answer<S extends z.ZodType> = z.output<S>;

export type AnswerTypesMatch = [
  Same<Answer<typeof searchAnswer>, SearchAnswer>,
  Same<Answer<typeof orgViewAnswer>, OrgView>,
  Same<Answer<typeof userViewAnswer>, UserView & { lastEmail: UserView['user']['lastEmail'] }>,
  Same<Answer<typeof deviceViewAnswer>, DeviceView>,
  Same<Answer<typeof emailStateAnswer>, EmailState>,
  Same<Answer<typeof sentCodeAnswer>, Pick<SentCode, 'id' | 'sentTo' | 'expiresAt'>>,
  Same<Answer<typeof checkAnswer>, Omit<CheckResult, 'userId'>>,
  Same<Answer<typeof readOnlyOrgViewAnswer>, ReadOnlyOrgView>,
  Same<Answer<typeof readOnlyUserViewAnswer>, ReadOnlyUserView>,
];
const allMatch: AnswerTypesMatch = [true, true, true, true, true, true, true, true, true];
void allMatch;
