// The customer admin side of the session: loaded on every request and re-checked against the store,
// so an admin who lost the full_admin role (or was deleted) is signed out at their next click.
import type { RequestHandler } from 'express';
import type { CustomerLoginService } from './customer-sign-in.service';

export function sessionCustomerAdmin(logins: CustomerLoginService): RequestHandler {
  return async (req, res, next) => {
    const stored = req.session?.customerAdmin;
    res.locals.customerAdmin = null;
    if (!stored) return next();
    const admin = await logins.principalFor(stored);
    if (admin) {
      req.customerAdmin = admin;
      res.locals.customerAdmin = admin;
      return next();
    }
    req.session.regenerate((err) => next(err));
  };
}

/** Customer pages: anyone else goes to the customer sign-in page. */
export const requireCustomerAdminPage: RequestHandler = (req, res, next) => {
  if (req.customerAdmin) return next();
  res.redirect(303, '/customer/login');
};
