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
