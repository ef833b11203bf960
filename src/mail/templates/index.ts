// Mail bodies are EJS (a text part and an HTML part per mail); their words come from the locale
// files like every other user-facing string, so English and French cannot drift apart in shape.
import ejs from 'ejs';
import path from 'node:path';
import { translator, type Lang } from '../../i18n/i18n';

// Beside this module: in src/ when run from sources, in dist/src/ when compiled (the build copies
// them there, scripts/copy-build-assets.js), which is all the production image has.
const TEMPLATES = __dirname;

export interface RenderedMail { subject: string; text: string; html: string }

export interface VerificationMailData {
  lang: Lang;
  /** The partner's name: the help desk the caller is talking to. */
  partner: string;
  /** The user's name, for the greeting. */
  name: string;
  /** The code as it should be read aloud (grouped). */
  code: string;
  minutes: number;
}

export async function renderVerificationMail(data: VerificationMailData): Promise<RenderedMail> {
  const t = translator(data.lang);
  const subject = t('mail.verification.subject', { partner: data.partner });
  return { subject, ...(await renderPair('verification-code', { ...data, t, subject })) };
}

export interface AgentInviteMailData {
  lang: Lang;
  partner: string;
  /** The invited agent's name, for the greeting. */
  name: string;
  /** The partner admin who sent the invitation. */
  inviter: string;
  /** The single-use set-password link. */
  link: string;
  hours: number;
}

export async function renderAgentInviteMail(data: AgentInviteMailData): Promise<RenderedMail> {
  const t = translator(data.lang);
  const subject = t('mail.invite.subject', { partner: data.partner });
  return { subject, ...(await renderPair('agent-invite', { ...data, t, subject })) };
}

export interface WelcomeMailData {
  lang: Lang;
  /** The partner's name: the help desk the user can call. */
  partner: string;
  /** The customer organization the account belongs to. */
  org: string;
  /** The user's name, for the greeting. */
  name: string;
  /** The address the account signs in with. */
  email: string;
}

export async function renderWelcomeMail(data: WelcomeMailData): Promise<RenderedMail> {
  const t = translator(data.lang);
  const subject = t('mail.welcome.subject', { org: data.org });
  return { subject, ...(await renderPair('welcome', { ...data, t, subject })) };
}

async function renderPair(name: string, locals: Record<string, unknown>): Promise<{ text: string; html: string }> {
  const [text, html] = await Promise.all([
    ejs.renderFile(path.join(TEMPLATES, `${name}.text.ejs`), locals),
    ejs.renderFile(path.join(TEMPLATES, `${name}.html.ejs`), locals),
  ]);
  return { text, html };
}

export interface MagicLinkMailData {
  lang: Lang;
  partner: string;
  /** One single-use link per org the address administers. */
  links: Array<{ org: string; url: string }>;
  minutes: number;
}

export async function renderMagicLinkMail(data: MagicLinkMailData): Promise<RenderedMail> {
  const t = translator(data.lang);
  const subject = t('mail.magicLink.subject', { partner: data.partner });
  return { subject, ...(await renderPair('magic-link', { ...data, t, subject })) };
}

export interface AccessRequestMailData {
  lang: Lang;
  /** The org admin's name, for the greeting. */
  name: string;
  partner: string;
  org: string;
  /** The agent who asks. */
  agent: string;
  reason: string;
  /** Where the admin signs in to approve or deny. */
  link: string;
}

export async function renderAccessRequestMail(data: AccessRequestMailData): Promise<RenderedMail> {
  const t = translator(data.lang);
  const subject = t('mail.accessRequest.subject', { partner: data.partner, org: data.org });
  return { subject, ...(await renderPair('access-request', { ...data, t, subject })) };
}

export interface AccessAnswerMailData {
  lang: Lang;
  /** The agent's name, for the greeting. */
  name: string;
  partner: string;
  org: string;
  answer: 'approved' | 'denied';
  /** ISO 8601 end of the grant, when approved. */
  until: string | null;
  /** The org page in the help desk. */
  link: string;
}

/** The agent who asked for access learns the customer's answer. */
export async function renderAccessAnswerMail(data: AccessAnswerMailData): Promise<RenderedMail> {
  const t = translator(data.lang);
  const subject = t(data.answer === 'approved' ? 'mail.accessAnswer.approvedSubject' : 'mail.accessAnswer.deniedSubject', { org: data.org });
  const until = data.until
    ? new Intl.DateTimeFormat(data.lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(data.until)) + ' UTC'
    : '';
  return { subject, ...(await renderPair('access-answer', { ...data, until, t, subject })) };
}

export interface GrantReminderMailData {
  lang: Lang;
  name: string;
  partner: string;
  org: string;
  /** Whole days left. */
  days: number;
  /** ISO 8601 end of the grant. */
  endsAt: string;
  link: string;
}

export async function renderGrantReminderMail(data: GrantReminderMailData): Promise<RenderedMail> {
  const t = translator(data.lang);
  const subject = t('mail.grantReminder.subject', { partner: data.partner, org: data.org, days: data.days });
  const endsAt = new Intl.DateTimeFormat(data.lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' })
    .format(new Date(data.endsAt));
  return { subject, ...(await renderPair('grant-reminder', { ...data, endsAt, t, subject })) };
}
