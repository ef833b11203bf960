// Mail bodies are EJS (a text part and an HTML part per mail); their words come from the locale
// files like every other user-facing string, so English and French cannot drift apart in shape.
import ejs from 'ejs';
import path from 'node:path';
import { translator, type Lang } from '../../i18n/i18n';

// The compiled build runs from dist/ but the templates stay beside their sources.
const TEMPLATES = __dirname.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(__dirname, '..', '..', '..', '..', 'src', 'mail', 'templates')
  : __dirname;

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
  const locals = { ...data, t, subject };
  const [text, html] = await Promise.all([
    ejs.renderFile(path.join(TEMPLATES, 'verification-code.text.ejs'), locals),
    ejs.renderFile(path.join(TEMPLATES, 'verification-code.html.ejs'), locals),
  ]);
  return { subject, text, html };
}
