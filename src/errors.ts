// One error type for the whole app. Services throw these; the error handler answers them
// as an HTML page or {error:{code,message}}. Anything else is a 500 whose details stay in the log.

export type ErrorCode =
  | 'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict'
  | 'too_many_requests' | 'unavailable' | 'internal' | 'too_large';

export interface FieldError { field: string; message: string }

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details: { fields?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const invalid = (message: string, fields?: FieldError[]) => new AppError('invalid', 400, message, { fields });
export const unauthorized = (message = 'Sign in first.') => new AppError('unauthorized', 401, message);
export const forbidden = (message = 'You may not do this.') => new AppError('forbidden', 403, message);
export const notFound = (what = 'Page') => new AppError('not_found', 404, `${what} not found.`);
export const conflict = (message: string) => new AppError('conflict', 409, message);
export const tooMany = (retryAfterSeconds: number, message = 'Too many requests. Try again later.') =>
  new AppError('too_many_requests', 429, message, { retryAfterSeconds });
export const tooLarge = (message: string) => new AppError('too_large', 413, message);
/** Retry-After of a store outage: about how long the store adapters wait before giving up (lock, server selection). */
export const STORE_RETRY_AFTER_S = 5;
export const unavailable = (message: string, retryAfterSeconds?: number) =>
  new AppError('unavailable', 503, message, { retryAfterSeconds });

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;
