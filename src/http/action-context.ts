// What a feature's service needs of the request that triggered an action: who asks, in which
// language, and how to audit it; and the refusal such a service throws so a page can say why.
import type { Request } from 'express';
import { AppError } from '../errors';
import type { AuditEntry, AuditLog } from '../features/audit/audit.service';
import type { Lang, MessageKey } from '../i18n/i18n';
import type { Principal } from './request-context';

export interface ActionContext<P = Principal> {
  principal: P;
  lang: Lang;
  audit(entry: AuditEntry): Promise<void>;
}

/** For routes behind an agent guard: req.principal is set. */
export const actionContext = (req: Request, audit: AuditLog): ActionContext => ({
  principal: req.principal!,
  lang: req.lang,
  audit: (entry) => audit.record(req, entry),
});

/** A refusal the user page can say in the agent's language; the API answers `message`. */
export class LocalizedRefusal extends AppError {
  constructor(base: AppError, readonly messageKey: MessageKey, readonly params: Record<string, string | number> = {}) {
    super(base.code, base.status, base.message, base.details);
  }
}
