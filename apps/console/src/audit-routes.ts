import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { AUDIT_EVENTS, DECISIONS, type AuditQuery, type AuditReader } from '@gmcp/mcp-kit/audit';
import { messagePage } from './pages/layout';
import { auditIntegrityPage, auditRecordPage, auditSearchPage, type AuditSearchForm } from './pages/audit';
import type { Session } from './sessions/session-store';
import { AUDITOR_SCOPE } from './deployment-contract';

const DAY_MS = 86_400_000;
/** How far back a page reaches: each check reads its whole range (npm run audit verifies longer ones). */
const MAX_BACK_DAYS = 31;

type SignedInHandler = (handler: (req: Request, res: Response, session: Session) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => Promise<void>;
type SendPage = (res: Response, status: number, body: string) => void;

/** 15m, 24h, 7d back from now, or an ISO time; empty means `fallbackMs` back. */
const When = (fallbackMs: number | undefined) =>
  z
    .string()
    .max(40)
    .optional()
    .transform((text, ctx) => {
      if (!text) return fallbackMs === undefined ? undefined : new Date(Date.now() - fallbackMs);
      const duration = /^(\d{1,5})(m|h|d)$/.exec(text);
      const time = duration ? new Date(Date.now() - Number(duration[1]) * { m: 60_000, h: 3_600_000, d: DAY_MS }[duration[2] as 'm' | 'h' | 'd']) : new Date(text);
      if (!duration && (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time.getTime()))) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is neither a duration (15m, 24h, 7d) nor an ISO time` });
        return z.NEVER;
      }
      if (time.getTime() < Date.now() - MAX_BACK_DAYS * DAY_MS) {
        ctx.addIssue({ code: 'custom', message: `the console reaches ${MAX_BACK_DAYS} days back at most: use npm run audit for longer ranges` });
        return z.NEVER;
      }
      return time;
    });
const Text = z.string().trim().max(256).optional().transform((text) => text || undefined);
const SearchQuery = z.object({
  actor: Text,
  tool: Text,
  server: Text,
  decision: z.enum(['', ...DECISIONS]).optional().transform((value) => value || undefined),
  event: z.enum(['', ...AUDIT_EVENTS]).optional().transform((value) => value || undefined),
  since: When(DAY_MS),
  until: When(undefined),
  cursor: z.string().max(4096).optional(),
});
const RecordRef = z.object({ server: z.string().min(1).max(256), time: z.iso.datetime(), id: z.string().min(1).max(128) });

/**
 * The auditors' pages: search the trail, read one record as signed, the trail's integrity and
 * the digest chain (the same checks as `npm run audit -- verify`), and an export to verify
 * elsewhere. Auditors only (`audit:read`); the console changes nothing here.
 */
export function auditRoutes(reader: AuditReader | undefined, signedIn: SignedInHandler, page: SendPage): express.Router {
  const router = express.Router();
  const auditor = (handler: (req: Request, res: Response, session: Session, reader: AuditReader) => Promise<void>) =>
    signedIn(async (req, res, session) => {
      if (!session.scopes.has(AUDITOR_SCOPE)) return page(res, 403, messagePage('Auditors only', `Reading the audit trail needs the ${AUDITOR_SCOPE} scope, which your sign-in does not carry.`, session));
      if (!reader) return page(res, 503, messagePage('Audit trail unavailable', 'This console is not connected to an audit trail.', session));
      await handler(req, res, session, reader);
    });

  router.get(
    '/audit',
    auditor(async (req, res, session, audit) => {
      const form = Object.fromEntries(Object.entries(req.query).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'cursor')) as AuditSearchForm;
      const parsed = SearchQuery.safeParse(req.query);
      if (!parsed.success) return page(res, 400, auditSearchPage(session, form, undefined, parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')));
      const { cursor, ...filters } = parsed.data;
      const query: AuditQuery = { ...filters, since: filters.since!, limit: 50, ...(cursor ? { cursor } : {}) };
      const result = await audit.search(query).catch((error: Error) => (/cursor/i.test(error.message) ? undefined : Promise.reject(error)));
      if (!result) return page(res, 400, auditSearchPage(session, form, undefined, 'That page link is no longer valid: search again.'));
      page(res, 200, auditSearchPage(session, form, result));
    }),
  );

  router.get(
    '/audit/record',
    auditor(async (req, res, session, audit) => {
      const ref = RecordRef.safeParse(req.query);
      const record = ref.success ? await audit.record({ server: ref.data.server, time: ref.data.time, eventId: ref.data.id }) : undefined;
      if (!record) return page(res, 404, messagePage('Not found', 'There is no such audit record.', session, { href: '/audit', text: 'Search the audit trail' }));
      page(res, 200, auditRecordPage(session, record));
    }),
  );

  router.get(
    '/audit/integrity',
    auditor(async (req, res, session, audit) => {
      const since = When(DAY_MS).safeParse(req.query.since);
      if (!since.success) return page(res, 400, messagePage('Not a time', since.error.issues[0]!.message, session, { href: '/audit/integrity', text: 'The last 24 hours' }));
      const [check, chain] = await Promise.all([audit.verify({ since: since.data! }), audit.chain()]);
      page(res, 200, auditIntegrityPage(session, check, chain));
    }),
  );

  router.get(
    '/audit/export',
    auditor(async (req, res, _session, audit) => {
      const since = When(DAY_MS).safeParse(req.query.since);
      if (!since.success) return page(res, 400, messagePage('Not a time', since.error.issues[0]!.message, _session));
      const exported = await audit.exportSince(since.data!);
      res
        .status(200)
        .type('application/x-ndjson')
        .set('Content-Disposition', `attachment; filename="audit-export-${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}.jsonl"`)
        .send(exported.text);
    }),
  );
  return router;
}
