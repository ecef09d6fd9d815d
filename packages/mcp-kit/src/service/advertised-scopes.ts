import { REQUEST_STATUS_SCOPE } from '../approvals/request-status-tool';
import type { ToolDefinition } from '../tool/define-tool';

/**
 * The scopes a server's RFC 9728 metadata advertises, which MCP clients ask the authorization
 * server for: its tools' own, get_request_status's when a tool needs approval, and the scopes
 * the app checks itself. The development issuer grants nothing else for the server.
 */
export function advertisedScopes(tools: readonly Pick<ToolDefinition<never, never, never>, 'scope' | 'risk'>[], additionalScopes: readonly string[] = []): string[] {
  const approvals = tools.some((tool) => tool.risk === 'high') ? [REQUEST_STATUS_SCOPE] : [];
  return [...new Set([...tools.map((tool) => tool.scope), ...approvals, ...additionalScopes])].sort();
}
