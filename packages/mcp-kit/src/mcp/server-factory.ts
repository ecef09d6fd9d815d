import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
import { ProtocolError, Server, type McpServerFactory } from '@modelcontextprotocol/server';
import { jsonRpcErrorFor } from '../errors/error-table';
import { CallNotGovernedError, UnknownToolError } from '../errors/errors';
import { runCall, type RunDependencies } from '../pipeline/run';
import type { RegisteredTool } from '../tool/tool-set';
import { visibleTools } from '../tool/visibility';
import { callerOf } from './caller';
import type { MediumRiskConfirmation } from './confirmation';
import { toWireTool } from './wire-tool';

/**
 * One JSON Schema validator for every per-request server: @cfworker/json-schema interprets
 * schemas instead of compiling code (ajv, the SDK's Node default), which keeps a fresh
 * server cheap and a Lambda cold start short.
 */
const SCHEMA_VALIDATOR = new CfWorkerJsonSchemaValidator();

export interface ServerIdentity {
  name: string;
  version: string;
  instructions?: string;
}

export interface ServerFactoryOptions<Deps> extends RunDependencies<Deps> {
  identity: ServerIdentity;
  /** How medium-risk calls are confirmed by the user before they run. */
  confirmation?: MediumRiskConfirmation;
}

/**
 * The SDK adapter: a per-request low-level SDK `Server` whose tool list is the allowlisted
 * tools the caller's scopes reach, and whose `tools/call` hands the call and its verdict to
 * the pipeline's run step (a call without a verdict is refused: fail closed).
 */
export function createServerFactory<Deps>(options: ServerFactoryOptions<Deps>): McpServerFactory {
  const { identity, confirmation } = options;
  return ({ authInfo, era }) => {
    const caller = callerOf(authInfo);
    if (!caller) throw new Error('MCP request reached the server without an authenticated caller');
    const visible = visibleTools(caller.governance.allowed as ReadonlyMap<string, RegisteredTool<Deps>>, caller.actor);

    const server = new Server(
      { name: identity.name, version: identity.version },
      { capabilities: { tools: { listChanged: false } }, instructions: identity.instructions, jsonSchemaValidator: SCHEMA_VALIDATOR },
    );
    server.setRequestHandler('tools/list', async () => ({ tools: visible.map(toWireTool) }));
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const verdict = caller.governance.verdicts.take(ctx.mcpReq.id);
      try {
        return (await runCall({ id: ctx.mcpReq.id, name: request.params.name }, verdict as never, caller, confirmation?.(ctx, era), options)) as never;
      } catch (error) {
        if (error instanceof UnknownToolError || error instanceof CallNotGovernedError) {
          const { code, message } = jsonRpcErrorFor(error);
          throw new ProtocolError(code, message);
        }
        throw error;
      }
    });
    return server;
  };
}
