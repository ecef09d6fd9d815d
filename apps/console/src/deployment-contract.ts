/**
 * What a deployment of the console must provide, with no dependency, so that the
 * infrastructure (infra/) imports it without the console's code: its routes, its sessions
 * table's key and TTL attribute, and the OAuth client it signs people in as.
 */

/**
 * The routes its HTTP API declares: exactly the console's pages (anything else is the
 * gateway's 404). None is behind the gateway's authorizer: the console signs people in itself.
 */
export const CONSOLE_ROUTES = [
  'GET /',
  'GET /healthz',
  'GET /console.css',
  'GET /sign-in',
  'GET /callback',
  'POST /sign-out',
  'GET /approvals',
  'GET /approvals/{id}',
  'POST /approvals/{id}/decision',
  'GET /mine',
  'GET /audit',
  'GET /audit/record',
  'GET /audit/integrity',
  'GET /audit/export',
] as const;

/** The sessions table: one string hash key, and the TTL attribute (epoch seconds) DynamoDB removes ended items by. */
export const SESSION_TABLE_KEY = 'id';
export const SESSION_TTL_ATTRIBUTE = 'purge_at';

/** The console's OAuth client at the identity provider: a confidential client, one of the stage's approver clients. */
export const CONSOLE_CLIENT_ID = 'approvals-console';

/** Those who read the audit trail in the console: auditors, by this scope in their token. */
export const AUDITOR_SCOPE = 'audit:read';

/**
 * What the provider grants the console's client for the approval server beyond what that server
 * advertises, as an application permission: deciding (approvers) and reading the audit trail
 * (auditors), each to the users who hold it. Assistants, asking for what the server advertises,
 * never get them.
 */
export const CONSOLE_CLIENT_SCOPES = ['approvals:decide', AUDITOR_SCOPE] as const;

/** The console's client as a provider registers it: confidential, authorization code (with PKCE), its callback, the secret sent by basic authentication. */
export function consoleClientRegistration(callbackUrl: string, secret: string, clientId: string = CONSOLE_CLIENT_ID) {
  return {
    client_id: clientId,
    client_secret: secret,
    client_name: 'Approvals console',
    redirect_uris: [callbackUrl],
    grant_types: ['authorization_code'],
    response_types: ['code' as const],
    token_endpoint_auth_method: 'client_secret_basic' as const,
    application_type: 'web' as const,
  };
}
