// POST /api/v1/import: a partner's sync job posts the same NDJSON as `helpdesk import` with an
// integration token and gets the per-line report. The body is streamed through the CLI's line by
// line importer (never held whole), bytes are counted as they arrive and reading stops past
// IMPORT_MAX_BYTES (413). Every line is kept to the token's partner (src/import/partner-scope.ts).
import { Router, type Request, type RequestHandler } from 'express';
import { Transform, type TransformCallback } from 'node:stream';
import type { Clock } from '../../clock';
import { forbidden, tooLarge } from '../../errors';
import { limiter } from '../../http/security';
import { importNdjson } from '../../import/importer';
import { partnerScope } from '../../import/partner-scope';
import type { Store } from '../../store/store';
import type { AuditLog } from '../audit/audit.service';

export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;
/** Per integration token: a sync job posts a batch every minute or two; each call may carry 50 MB. */
export const IMPORTS_PER_HOUR = 120;
/** The answer lists this many refused lines at most (the first ones); `errorsOmitted` counts the rest. */
export const MAX_REPORTED_ERRORS = 1000;

const IMPORT_PATH = /^\/api\/v1\/import\/?$/i;

/**
 * Wraps a body parser so that it leaves the import's body alone: the global JSON and form parsers
 * run before the API router, and either would read (and limit) the stream the import must read
 * itself. Only for a Bearer request, the one kind that may import: a session's POST keeps its
 * parsed body, so CSRF reads its token there and the request is then refused as usual.
 */
export const exceptImport = (parser: RequestHandler): RequestHandler =>
  (req, res, next) => (req.method === 'POST' && IMPORT_PATH.test(req.path) && /^Bearer\s/i.test(req.get('authorization') ?? '')
    ? next() : parser(req, res, next));

/** Passes bytes through until more than `max` came, then drops the rest and says so. */
class ByteLimit extends Transform {
  /** Bytes passed on to the importer (never more than `max`). */
  bytes = 0;
  exceeded = false;
  constructor(private readonly max: number, private readonly onExceeded: () => void) { super(); }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.exceeded) return done();
    if (this.bytes + chunk.length <= this.max) {
      this.bytes += chunk.length;
      return done(null, chunk);
    }
    this.exceeded = true;
    this.onExceeded();
    done();
  }
}

const requireIntegration: RequestHandler = (req, _res, next) =>
  next(req.integration ? undefined : forbidden('Only an integration token may post imports (helpdesk token create --integration).'));

export function importApiRoutes(deps: { store: Store; clock: Clock; audit: AuditLog; maxBytes?: number }): Router {
  const { store, clock, audit } = deps;
  const maxBytes = deps.maxBytes ?? IMPORT_MAX_BYTES;
  const router = Router();
  const tooBig = () => tooLarge(`The import is larger than ${Math.round(maxBytes / 1024 / 1024)} MB: split it into several calls.`);

  router.post('/import', requireIntegration,
    limiter(store, clock, { name: 'api-import', windowMs: 3_600_000, limit: IMPORTS_PER_HOUR, key: (req) => req.integration!.tokenId }),
    async (req: Request, res) => {
      const { partnerId } = req.integration!;
      if (Number(req.get('content-length')) > maxBytes) {
        res.set('Connection', 'close');
        throw tooBig();
      }
      const body = new ByteLimit(maxBytes, () => {
        // Stop reading: what came before the limit is imported, the rest is never read.
        req.unpipe(body);
        req.pause();
        body.end();
      });
      // A client that goes away mid-body ends the import with the lines that arrived.
      req.once('close', () => { if (!req.complete) body.end(); });
      req.pipe(body);

      const scope = partnerScope(store, partnerId);
      // The scope refuses other partners' lines with a reason naming the token's partner; the
      // importer's own partner scope and outcomes (identical records are `unchanged`) do the rest.
      const summary = await importNdjson(store, body, {
        admit: scope.admit, partnerId, actor: { id: `token:${req.integration!.tokenId}`, role: 'integration' },
      });
      const { errors } = scope.report(summary);
      const counts = { ...summary.outcomes };
      await audit.record(req, {
        action: 'import.http', outcome: body.exceeded ? 'failure' : 'success',
        detail: { ...counts, errors: errors.length, lines: summary.lines, bytes: body.bytes, ...(body.exceeded ? { tooLarge: true } : {}) },
      });
      if (body.exceeded) {
        res.set('Connection', 'close');
        throw tooBig();
      }
      const omitted = errors.length - MAX_REPORTED_ERRORS;
      res.json({ ...counts, errors: errors.slice(0, MAX_REPORTED_ERRORS), ...(omitted > 0 ? { errorsOmitted: omitted } : {}) });
    });

  return router;
}
