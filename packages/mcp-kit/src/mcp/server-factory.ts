import { ProtocolError, ProtocolErrorCode, Server, type AuthInfo, type McpServerFactory } from '@modelcontextprotocol/server';
import type { Actor } from '../auth/actor';
import type { Logger } from '../logging/logger';
import type { RegisteredTool } from '../tool/tool-set';
import { visibleTools } from '../tool/visibility';
import { runTool } from './call-tool';

export const GOVERNANCE_META_KEY = 'dev.gmcp/governance';

export interface ServerIdentity {
  name: string;
  version: string;
  instructions?: string;
}

/** What the HTTP pipeline hands to the per-request MCP server (through the SDK's AuthInfo). */
export interface CallerContext {
  actor: Actor;
  requestId: string;
}

/** AuthInfo for the SDK. The raw token is deliberately not carried past authentication. */
export function toAuthInfo(caller: CallerContext): AuthInfo {
  return {
    token: '[withheld]',
    clientId: caller.actor.clientId,
    scopes: [...caller.actor.scopes],
    expiresAt: caller.actor.expiresAt,
    extra: { caller },
  };
}

/**
 * The per-request MCP server: a low-level SDK `Server` whose tool list and dispatch
 * are computed for the calling actor, so tools outside the caller's reach are absent.
 */
export function createServerFactory<Deps>(
  identity: ServerIdentity,
  tools: ReadonlyMap<string, RegisteredTool<Deps>>,
  deps: Deps,
  logger: Logger,
): McpServerFactory {
  return ({ authInfo }) => {
    const caller = authInfo?.extra?.caller as CallerContext | undefined;
    if (!caller) throw new Error('MCP request reached the server without an authenticated caller');
    const visible = new Map(visibleTools(tools, caller.actor).map((tool) => [tool.definition.name, tool]));

    const server = new Server(
      { name: identity.name, version: identity.version },
      { capabilities: { tools: { listChanged: false } }, instructions: identity.instructions },
    );
    server.setRequestHandler('tools/list', async () => ({ tools: [...visible.values()].map(toWireTool) }));
    server.setRequestHandler('tools/call', async (request) => {
      const tool = visible.get(request.params.name);
      if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
      const started = performance.now();
      const { result, outcome } = await runTool(tool, request.params.arguments, { ...caller, logger, deps });
      logger.info('tool call', {
        tool: tool.definition.name,
        requestId: caller.requestId,
        subject: caller.actor.subject,
        clientId: caller.actor.clientId,
        outcome,
        durationMs: Math.round(performance.now() - started),
      });
      return result;
    });
    return server;
  };
}

function toWireTool<Deps>({ definition, inputJsonSchema, outputJsonSchema }: RegisteredTool<Deps>) {
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: inputJsonSchema as { type: 'object' },
    outputSchema: outputJsonSchema as { type: 'object' },
    annotations: definition.annotations,
    _meta: {
      [GOVERNANCE_META_KEY]: {
        owner: definition.owner,
        scope: definition.scope,
        risk: definition.risk,
        access: definition.access,
        classification: definition.classification,
      },
    },
  };
}
