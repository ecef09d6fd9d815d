import express, { type NextFunction, type Request, type Response } from 'express';
import { ISSUER_SCOPES } from './authorization-server';
import type { DevDirectory, DevUser } from './dev-users';
import type { ProviderInstance } from './oidc-provider';
import type { ResourceCatalog } from './protected-resources';
import { PAGE_HEADERS, renderConsentPage, renderErrorPage, renderLoginPage, type RequestSummary } from './pages';

type InteractionDetails = Awaited<ReturnType<ProviderInstance['interactionDetails']>>;

/**
 * The login and consent pages oidc-provider hands its interactions to: pick a development
 * user, then see who asks for which scopes on which server and allow or deny. The token
 * carries only the scopes the user holds; the others are recorded as refused, so that
 * oidc-provider does not ask again for them.
 */
export function interactionRoutes(provider: ProviderInstance, directory: DevDirectory, resources: ResourceCatalog): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  router.use((_req, res, next) => {
    res.set(PAGE_HEADERS);
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
    if (details.prompt.name !== 'login' || !user) {
      return void res.status(400).type('html').send(renderErrorPage({ error: 'invalid_request', description: 'Choose one of the listed users.' }));
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
  });

  router.post('/:uid/consent', form, async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name !== 'consent') {
      return void res.status(400).type('html').send(renderErrorPage({ error: 'invalid_request', description: 'There is nothing to allow at this step.' }));
    }
    const request = await summarize(details, provider, resources);
    const user = signedInUser(details, directory);
    const held = heldScopes(request, user);
    if (held.length === 0) return void (await deny(provider, req, res, `${user.id} holds none of the scopes asked for`));
    const grantId = await recordGrant(provider, details, request, held);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  router.post('/:uid/abort', async (req, res) => {
    await provider.interactionDetails(req, res);
    await deny(provider, req, res, 'the user denied the request');
  });

  router.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    // An expired or foreign interaction (its cookie is missing or stale) is the usual case.
    const expired = error.name === 'SessionNotFound';
    res.status(expired ? 400 : 500).type('html').send(
      renderErrorPage({ error: expired ? 'invalid_request' : 'server_error', description: expired ? 'This sign-in has expired or belongs to another browser.' : 'The sign-in failed.' }),
    );
  });
  return router;
}

function deny(provider: ProviderInstance, req: Request, res: Response, description: string): Promise<void> {
  return provider.interactionFinished(req, res, { error: 'access_denied', error_description: description }, { mergeWithLastSubmission: false });
}

async function summarize(details: InteractionDetails, provider: ProviderInstance, resources: ResourceCatalog): Promise<RequestSummary> {
  const { params, uid } = details;
  const clientId = String(params.client_id);
  const client = await provider.Client.find(clientId);
  const resource = String(params.resource ?? '');
  const server = await resources.lookup(resource).catch(() => undefined);
  const asked = String(params.scope ?? '').split(' ').filter((scope) => scope && !(ISSUER_SCOPES as readonly string[]).includes(scope));
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
  if (!user) throw Object.assign(new Error('no signed-in user'), { name: 'SessionNotFound' });
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
  const issuerScopes = String(params.scope ?? '').split(' ').filter((scope) => (ISSUER_SCOPES as readonly string[]).includes(scope));
  if (issuerScopes.length) target.addOIDCScope(issuerScopes.join(' '));
  target.addResourceScope(request.resource, held.join(' '));
  const withheld = request.scopes.filter((scope) => !held.includes(scope));
  if (withheld.length) target.rejectResourceScope(request.resource, withheld.join(' '));
  return target.save();
}
