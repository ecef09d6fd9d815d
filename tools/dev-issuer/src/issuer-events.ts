import type { KoaContextWithOIDC, ProviderInstance } from './oidc-provider';

/** Where the issuer says what it did: the platform passes the kit's JSON logger. */
export interface IssuerLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

const ERRORS = ['authorization.error', 'grant.error', 'registration_create.error', 'revocation.error', 'userinfo.error', 'jwks.error', 'discovery.error'];

type ErrorWithDetail = Error & { error?: string; error_description?: string; error_detail?: string; status?: number };

/**
 * Logs what happens (registrations, sign-ins, tokens issued, refusals with their reason), and
 * puts the reason oidc-provider keeps to itself (`error_detail`: "refresh token already used",
 * "grant not found") into the error description its token, registration and revocation
 * endpoints answer with: this is a development issuer, and "grant request is invalid" helps
 * nobody find out that reusing a rotated refresh token revoked their sign-in.
 */
export function reportIssuerEvents(provider: ProviderInstance, logger: IssuerLogger): void {
  // The event names oidc-provider documents, not all of which its typings list.
  const events = provider as unknown as { on(event: string, listener: (ctx: KoaContextWithOIDC, ...args: never[]) => void): void };
  events.on('registration_create.success', (_ctx: KoaContextWithOIDC, client: { clientId: string; clientName?: string; redirectUris?: string[] }) =>
    logger.info('client registered', { clientId: client.clientId, clientName: client.clientName, redirectUris: client.redirectUris }),
  );
  events.on('interaction.ended', (ctx: KoaContextWithOIDC) => logger.info('sign-in step done', { clientId: ctx.oidc.client?.clientId, prompt: ctx.oidc.prompts ? [...ctx.oidc.prompts] : undefined }));
  events.on('authorization.success', (ctx: KoaContextWithOIDC) => logger.info('authorization code issued', { clientId: ctx.oidc.client?.clientId, subject: ctx.oidc.session?.accountId, resource: ctx.oidc.params?.resource }));
  events.on('grant.success', (ctx: KoaContextWithOIDC) => logger.info('tokens issued', { clientId: ctx.oidc.client?.clientId, grantType: ctx.oidc.params?.grant_type }));
  events.on('grant.revoked', (_ctx: KoaContextWithOIDC, grantId: string) => logger.warn('grant revoked', { grantId }));
  events.on('server_error', (_ctx: KoaContextWithOIDC, error: Error) => logger.error('authorization server error', { error }));
  for (const event of ERRORS) {
    events.on(event, (ctx: KoaContextWithOIDC, error: ErrorWithDetail) => {
      logger.warn('request refused', { event, error: error.error ?? error.name, description: error.error_description, detail: error.error_detail, clientId: ctx.oidc?.client?.clientId });
      if (error.error_detail) ctx.state.errorDetail = error.error_detail;
    });
  }
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    const detail = ctx.state.errorDetail as string | undefined;
    if (detail && body && typeof body === 'object' && typeof body.error === 'string' && ctx.response.is('json')) {
      ctx.body = { ...body, error_description: `${String(body.error_description ?? body.error)}: ${detail}` };
    }
  });
}
