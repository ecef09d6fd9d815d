import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ConsoleConfig } from './config';
import { messagePage } from './pages/layout';
import { STYLESHEET } from './pages/stylesheet';
import { myRequestsPage, pendingPage, requestPage } from './pages/approvals';
import { csrfMatches, safeReturnPath, type Session, type SessionStore } from './sessions/session-store';
import { SignInError, type SignIn } from './sign-in';
import { WriterRefusal, type WriterApi } from './writer-api';
import type { AuditReader } from '@gmcp/mcp-kit/audit';
import { auditRoutes } from './audit-routes';

/** Cookie names: `__Host-` where cookies are Secure, so that no sibling (sub)domain can plant them. */
export const cookieNames = (secure: boolean) => ({ session: `${secure ? '__Host-' : ''}gmcp_console`, signIn: `${secure ? '__Host-' : ''}gmcp_console_sign_in` });

/**
 * No script anywhere, styles from this origin only, forms only to this origin (and the issuer:
 * a form sent on an expired session is redirected to sign in there), never framed.
 */
const contentSecurityPolicy = (issuer: string) =>
  `default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' ${new URL(issuer).origin}; frame-ancestors 'none'; base-uri 'none'`;

const ApprovalId = z.uuid();
const DecisionForm = z.object({ csrf: z.string(), decision: z.enum(['approve', 'reject']), reason: z.string().trim().max(2000).optional() });
const MIN_REASON = 5;
const DONE_NOTICES: Record<string, string | undefined> = { approved: 'Approved.', rejected: 'Rejected.', confirmed: 'Confirmed.', cancelled: 'Cancelled.' };
const ListFilters = z.object({
  tool: z.string().regex(/^[a-z0-9_]{1,64}$/).optional().or(z.literal('').transform(() => undefined)),
  requester: z.string().min(1).max(256).optional().or(z.literal('').transform(() => undefined)),
  after: z.string().regex(/^[A-Za-z0-9_-]{1,2048}$/).optional(),
});

export interface ConsoleDeps {
  config: ConsoleConfig;
  sessions: SessionStore;
  signIn: SignIn;
  writer: WriterApi;
  /** The audit trail for auditors' pages; without it they say it is unavailable. */
  audit?: AuditReader;
}

/** The console's routes: sign-in and sign-out, the pending list, one request and its decision. */
export function createConsoleApp({ config, sessions, signIn, writer, audit }: ConsoleDeps): express.Express {
  const app = express();
  const csp = contentSecurityPolicy(config.AUTH_ISSUER);
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const cookie = { httpOnly: true, secure: !config.loopback, sameSite: 'lax' as const, path: '/' };
  const { session: SESSION_COOKIE, signIn: SIGN_IN_COOKIE } = cookieNames(cookie.secure);

  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    next();
  });
  app.get('/console.css', (_req, res) => void res.type('text/css').set('Cache-Control', 'max-age=300').send(STYLESHEET));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', service: 'console' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  const sessionOf = (req: Request) => sessions.get(cookieOf(req, SESSION_COOKIE));
  const page = (res: Response, status: number, body: string) => void res.status(status).type('html').send(body);

  /** Pages for signed-in users only: others are sent to sign in and brought back. */
  const signedIn = (handler: (req: Request, res: Response, session: Session) => Promise<void>) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      const session = await sessionOf(req);
      if (!session) {
        if (req.method !== 'GET') return page(res, 401, messagePage('Signed out', 'Your session has ended: sign in again, then repeat what you were doing.', undefined, { href: '/sign-in', text: 'Sign in' }));
        return res.redirect(303, `/sign-in?return=${encodeURIComponent(req.originalUrl)}`);
      }
      res.locals.session = session;
      await handler(req, res, session);
    } catch (error) {
      next(error);
    }
  };

  app.get('/', (_req, res) => res.redirect(303, '/approvals'));

  app.get('/sign-in', async (req, res, next) => {
    try {
      const { url, state } = await signIn.start(safeReturnPath(req.query.return));
      res.cookie(SIGN_IN_COOKIE, state, { ...cookie, maxAge: 10 * 60 * 1000 });
      res.redirect(303, url.href);
    } catch (error) {
      next(error);
    }
  });

  app.get('/callback', async (req, res, next) => {
    try {
      const { session, returnTo } = await signIn.finish(new URL(req.originalUrl, config.publicUrl), cookieOf(req, SIGN_IN_COOKIE));
      await sessions.end(cookieOf(req, SESSION_COOKIE)); // a new sign-in never continues an earlier session
      res.clearCookie(SIGN_IN_COOKIE, cookie);
      res.cookie(SESSION_COOKIE, session.id, { ...cookie, maxAge: config.SESSION_IDLE_SECONDS * 1000 });
      res.redirect(303, returnTo);
    } catch (error) {
      if (error instanceof SignInError || isOAuthError(error)) return page(res, 400, messagePage('Sign-in failed', (error as Error).message, undefined, { href: '/sign-in', text: 'Sign in again' }));
      next(error);
    }
  });

  app.post('/sign-out', async (req, res) => {
    const session = await sessionOf(req).catch(() => undefined);
    if (session && !csrfMatches(session, req.body?.csrf)) return page(res, 403, messagePage('Refused', 'This form is not from your session: nothing was done.', session));
    await sessions.end(session?.id);
    res.clearCookie(SESSION_COOKIE, cookie);
    page(res, 200, messagePage('Signed out', 'You are signed out.', undefined, { href: '/sign-in', text: 'Sign in again' }));
  });

  app.get(
    '/approvals',
    signedIn(async (req, res, session) => {
      const filters = ListFilters.safeParse(req.query);
      if (!filters.success) return page(res, 400, messagePage('Not a filter', 'Filters name a tool or a requester: this one is not valid.', session, { href: '/approvals', text: 'All pending approvals' }));
      page(res, 200, pendingPage(session, await writer.pending(session.accessToken, filters.data), filters.data));
    }),
  );

  app.get(
    '/mine',
    signedIn(async (req, res, session) => {
      const after = ListFilters.shape.after.safeParse(req.query.after);
      page(res, 200, myRequestsPage(session, await writer.mine(session.accessToken, after.success ? after.data : undefined)));
    }),
  );

  app.get(
    '/approvals/:id',
    signedIn(async (req, res, session) => {
      const id = ApprovalId.safeParse(req.params.id);
      if (!id.success) return page(res, 404, messagePage('Not found', 'There is no such request.', session, { href: '/approvals', text: 'Pending approvals' }));
      const notice = DONE_NOTICES[String(req.query.done)];
      page(res, 200, requestPage(session, await writer.get(session.accessToken, id.data), notice));
    }),
  );

  app.post(
    '/approvals/:id/decision',
    signedIn(async (req, res, session) => {
      const id = ApprovalId.safeParse(req.params.id);
      const form = DecisionForm.safeParse(req.body);
      if (!form.success || !csrfMatches(session, form.data.csrf)) {
        return page(res, 403, messagePage('Refused', 'This form is not from your session (a missing or wrong CSRF token): nothing was decided.', session, { href: '/approvals', text: 'Pending approvals' }));
      }
      if (!id.success) return page(res, 404, messagePage('Not found', 'There is no such request.', session));
      const { decision, reason } = form.data;
      // A cancelled confirmation needs no reason: it is the requester's own change.
      const confirmation = (await writer.get(session.accessToken, id.data)).kind === 'confirmation';
      if (decision === 'reject' && !confirmation && (reason ?? '').length < MIN_REASON) {
        return page(res, 400, messagePage('Reason needed', `A rejection needs a reason of at least ${MIN_REASON} characters: nothing was decided.`, session, { href: `/approvals/${id.data}`, text: 'Back to the request' }));
      }
      await writer.decide(session.accessToken, id.data, { decision, ...(reason ? { reason } : {}) });
      const done = confirmation ? (decision === 'approve' ? 'confirmed' : 'cancelled') : decision === 'approve' ? 'approved' : 'rejected';
      res.redirect(303, `/approvals/${id.data}?done=${done}`);
    }),
  );

  app.use(auditRoutes(audit, signedIn, page));

  app.use((_req: Request, res: Response) => page(res, 404, messagePage('Not found', 'There is no such page.', undefined, { href: '/approvals', text: 'Pending approvals' })));
  app.use(async (error: Error, req: Request, res: Response, _next: NextFunction) => {
    // The session the failed page was for, as `signedIn` found it (none for public pages).
    const session = res.locals.session as Session | undefined;
    if (error instanceof WriterRefusal && error.status === 401) {
      // The writer no longer takes the session's token: the session is over.
      await sessions.end(session?.id).catch(() => undefined);
      res.clearCookie(SESSION_COOKIE, cookie);
      if (req.method === 'GET') return res.redirect(303, `/sign-in?return=${encodeURIComponent(req.originalUrl)}`);
      return page(res, 401, messagePage('Signed out', 'Your sign-in has expired: sign in again, then repeat what you were doing. Nothing was decided.', undefined, { href: '/sign-in', text: 'Sign in' }));
    }
    if (error instanceof WriterRefusal) {
      const title = error.status === 403 ? 'Not allowed' : error.status === 404 ? 'Not found' : 'Refused';
      return page(res, error.status >= 400 && error.status < 500 ? error.status : 502, messagePage(title, error.message, session, { href: '/approvals', text: 'Pending approvals' }));
    }
    console.error('console error', error);
    page(res, 500, messagePage('Something went wrong', 'The console could not complete this request. Nothing was decided.', session));
  });
  return app;
}

function cookieOf(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

const isOAuthError = (error: unknown) => error instanceof Error && ['ResponseBodyError', 'AuthorizationResponseError', 'ClientError', 'WWWAuthenticateChallengeError'].includes(error.constructor.name);
