/** Scopes of the authorization server itself; every other scope belongs to an MCP server. */
export const ISSUER_SCOPES = ['openid', 'offline_access'] as const;

export function isIssuerScope(scope: string): boolean {
  return (ISSUER_SCOPES as readonly string[]).includes(scope);
}
