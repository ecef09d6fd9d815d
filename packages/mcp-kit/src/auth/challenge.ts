import type { ServiceConfig } from '../config/service-config';

/** RFC 9728 location of this server's protected-resource metadata (path-suffixed form). */
export function protectedResourceMetadataUrl(config: ServiceConfig): string {
  const resource = new URL(config.resourceUrl);
  return `${resource.origin}/.well-known/oauth-protected-resource${resource.pathname}`;
}

export interface ChallengeParameters {
  error?: 'invalid_token' | 'insufficient_scope' | 'invalid_request';
  errorDescription?: string;
  scope?: string;
}

/** A `WWW-Authenticate: Bearer ...` value (RFC 6750 §3, MCP authorization spec). */
export function bearerChallenge(config: ServiceConfig, parameters: ChallengeParameters = {}): string {
  const fields: [string, string | undefined][] = [
    ['error', parameters.error],
    ['error_description', parameters.errorDescription],
    ['scope', parameters.scope],
    ['resource_metadata', protectedResourceMetadataUrl(config)],
  ];
  const rendered = fields
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([name, value]) => `${name}="${value.replace(/["\\]/g, '')}"`);
  return `Bearer ${rendered.join(', ')}`;
}
