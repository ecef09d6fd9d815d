import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Caller } from '../pipeline/call';
import type { GovernedRequest } from '../pipeline/govern-request';

/** What the HTTP pipeline hands to the per-request MCP server: the caller and the request's governance state. */
export interface CallerContext extends Caller {
  readonly governance: GovernedRequest;
}

/** The SDK's AuthInfo, carrying the caller to the server factory. The raw token is deliberately not carried past authentication. */
export function toAuthInfo(caller: CallerContext): AuthInfo {
  return {
    token: '[withheld]',
    clientId: caller.actor.clientId,
    scopes: [...caller.actor.scopes],
    expiresAt: caller.actor.expiresAt,
    extra: { caller },
  };
}

export function callerOf(authInfo: AuthInfo | undefined): CallerContext | undefined {
  return authInfo?.extra?.caller as CallerContext | undefined;
}
