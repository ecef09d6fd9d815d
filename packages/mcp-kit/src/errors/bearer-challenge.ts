export interface ChallengeParameters {
  error?: 'invalid_token' | 'insufficient_scope' | 'invalid_request';
  errorDescription?: string;
  scope?: string;
}

/** A `WWW-Authenticate: Bearer ...` value (RFC 6750 §3), pointing at the resource's metadata (RFC 9728, MCP authorization). */
export function bearerChallenge(resourceMetadataUrl: string, parameters: ChallengeParameters = {}): string {
  const fields: [string, string | undefined][] = [
    ['error', parameters.error],
    ['error_description', parameters.errorDescription],
    ['scope', parameters.scope],
    ['resource_metadata', resourceMetadataUrl],
  ];
  const rendered = fields
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([name, value]) => `${name}="${value.replace(/["\\]/g, '')}"`);
  return `Bearer ${rendered.join(', ')}`;
}
