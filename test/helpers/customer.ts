// Customer admin sign-in as a person does it: ask for a link, read it from the mailbox (a real SMTP
// server), open it, press the confirm button.
import request from 'supertest';
import type { Express } from 'express';
import type { ReceivedMail, TestSmtpServer } from './smtp-server';
import { csrfFrom } from './test-app';

/** The paths of the sign-in links in a mail, in order. */
export function linksIn(mail: ReceivedMail): string[] {
  return [...mail.text.matchAll(/https?:\/\/[^\s/]+(\/customer\/login\/[A-Za-z0-9_-]+)/g)].map((m) => m[1]);
}

/** Asks for a sign-in link for `email` and expects the answer's status. */
export async function askForLink(app: Express, email: string, status = 200) {
  const client = request.agent(app);
  const page = await client.get('/customer/login').expect(200);
  return client.post('/customer/login').type('form').send({ email, _csrf: csrfFrom(page.text) }).expect(status);
}

/** Opens the link's confirm page and presses the button; returns the client and the answer. */
export async function useLink(app: Express, path: string, client = request.agent(app)) {
  const confirm = await client.get(path);
  const csrf = confirm.status === 200 ? csrfFrom(confirm.text) : csrfFrom((await client.get('/customer/login')).text);
  const res = await client.post(path).type('form').send({ _csrf: csrf });
  return { client, res, confirm };
}

/** A cookie-keeping client signed in as the customer admin `email` (of its first org). */
export async function signInCustomer(app: Express, smtp: TestSmtpServer, email: string) {
  await askForLink(app, email);
  const [path] = linksIn(await smtp.waitForMessage(email));
  const { client, res } = await useLink(app, path);
  if (res.status !== 303) throw new Error(`customer sign-in failed with ${res.status}`);
  return client;
}

/** The CSRF token of the customer's session, read from their portal. */
export const portalCsrf = async (client: ReturnType<typeof request.agent>) => csrfFrom((await client.get('/customer').expect(200)).text);
