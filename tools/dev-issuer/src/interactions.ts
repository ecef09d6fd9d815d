import express, { type NextFunction, type Request, type Response } from 'express';
import type { DevDirectory, DevUser } from './dev-users';
import { isIssuerScope } from './issuer-scopes';
import type { ProviderInstance } from './oidc-provider';
import type { ResourceCatalog } from './protected-resources';
import { PAGE_HEADERS, renderConsentPage, renderErrorPage, renderLoginPage, type RequestSummary } from './pages';

type InteractionDetails = Awaited<ReturnType<ProviderInstance['interactionDetails']>>;

/** A refusal of the pages' own making, shown on the error page with its OAuth code and status. */
class InteractionRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
  ) {
    super(description);
  }
}

/**
 * The login and consent pages oidc-provider hands its interactions to: pick a development
 * user, then see who asks for which scopes on which server and allow or deny. The token
 * carries only the scopes the user holds; the others are recorded as refused, so that
 * oidc-provider does not ask again for them.
 */
export function interactionRoutes(provider: ProviderInstance, directory: DevDirectory, resources: ResourceCatalog, issuer: string): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  router.use((req, res, next) => {
    res.set(PAGE_HEADERS);
    // The forms post to this origin only: a form on another site cannot sign someone in or consent for them.
    if (req.method === 'POST' && req.get('origin') !== issuer) return next(new InteractionRefused(403, 'invalid_request', 'This form can only be sent from the sign-in page itself.'));
    next();
  });

  router.get('/:uid', async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const request = await summarize(details, provider, resources);
    if (details.prompt.name === 'login') return void res.type('html').send(renderLoginPage(request, directory.users));
    const user = signedInUser(details, directory);
    res.type('html').send(renderConsentPage(request, user, heldScopes(request, user)));
  });

  router.post('/:uid/login', form, async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const user = directory.find(String(req.body?.user ?? ''));
    if (details.prompt.name !== 'login' || !user) throw new InteractionRefused(400, 'invalid_request', 'Choose one of the listed users.');
    await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
  });

  router.post('/:uid/consent', form, async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name !== 'consent') throw new InteractionRefused(400, 'invalid_request', 'There is nothing to allow at this step.');
    const request = await summarize(details, provider, resources);
    const user = signedInUser(details, directory);
    const held = heldScopes(request, user);
    if (held.length === 0) return void (await finishWithError(provider, req, res, `${user.id} holds none of the scopes asked for (${request.scopes.join(', ')})`));
    const grantId = await recordGrant(provider, details, request, held);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  router.post('/:uid/abort', async (req, res) => {
    await provider.interactionDetails(req, res);
    await finishWithError(provider, req, res, 'the user denied the request');
  });

  router.use((error: Error & { status?: number; error?: string; error_description?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const { status, code, description } = refusalOf(error);
    res.status(status).type('html').send(renderErrorPage({ error: code, description }));
  });
  return router;
}

/** What the error page says: the pages' own refusals, oidc-provider's (an expired interaction…), a refused form body; never a 500 for bad input. */
function refusalOf(error: Error & { status?: number; error?: string; error_description?: string }): { status: number; code: string; description: string } {
  if (error instanceof InteractionRefused) return { status: error.status, code: error.code, description: error.message };
  if (error.name === 'SessionNotFound') return { status: 400, code: 'invalid_request', description: 'This sign-in has expired or belongs to another browser.' };
  if (typeof error.error === 'string' && error.status !== undefined && error.status < 500) return { status: error.status, code: error.error, description: error.error_description ?? error.message };
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return { status: 400, code: 'invalid_request', description: 'The form could not be read.' };
  return { status: 500, code: 'server_error', description: 'The sign-in failed.' };
}

function finishWithError(provider: ProviderInstance, req: Request, res: Response, description: string): Promise<void> {
  return provider.interactionFinished(req, res, { error: 'access_denied', error_description: description }, { mergeWithLastSubmission: false });
}

async function summarize(details: InteractionDetails, provider: ProviderInstance, resources: ResourceCatalog): Promise<RequestSummary> {
  const { params, uid } = details;
  const clientId = String(params.client_id);
  const client = await provider.Client.find(clientId).catch(() => {
    throw new InteractionRefused(400, 'invalid_client', 'The assistant could not be identified any more: start again from it.');
  });
  // oidc-provider has already refused a request naming several resources.
  const resource = String(params.resource ?? '');
  const server = await resources.lookup(resource).catch(() => undefined);
  const asked = String(params.scope ?? '').split(' ').filter((scope) => scope && !isIssuerScope(scope));
  return {
    uid,
    clientId,
    clientName: client?.clientName ?? clientId,
    redirectHost: URL.parse(String(params.redirect_uri))?.host || String(params.redirect_uri),
    serverName: server?.name ?? resource,
    resource,
    scopes: asked,
  };
}

function signedInUser(details: InteractionDetails, directory: DevDirectory): DevUser {
  const user = details.session?.accountId ? directory.find(details.session.accountId) : undefined;
  if (!user) throw new InteractionRefused(400, 'invalid_request', 'This sign-in has expired or belongs to another browser.');
  return user;
}

function heldScopes(request: RequestSummary, user: DevUser): string[] {
  return request.scopes.filter((scope) => user.scopes.includes(scope));
}

/** Grants what the user holds, records the rest as refused, and the issuer's own scopes (openid, offline_access). */
async function recordGrant(provider: ProviderInstance, details: InteractionDetails, request: RequestSummary, held: readonly string[]): Promise<string> {
  const { params, session } = details;
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const target = grant ?? new provider.Grant({ accountId: session!.accountId, clientId: request.clientId });
  const issuerScopes = String(params.scope ?? '').split(' ').filter(isIssuerScope);
  if (issuerScopes.length) target.addOIDCScope(issuerScopes.join(' '));
  target.addResourceScope(request.resource, held.join(' '));
  const withheld = request.scopes.filter((scope) => !held.includes(scope));
  if (withheld.length) target.rejectResourceScope(request.resource, withheld.join(' '));
  return target.save();
}
