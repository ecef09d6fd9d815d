import type { Request, Response } from 'express';
import { MethodNotAllowedError } from '../errors/errors';
import type { McpTransport } from '../mcp/mcp-transport';
import { callerOf, contextOf } from './request-context';

/** The MCP endpoint's POST: the governed request handed to the SDK with its caller. */
export function mcpRoute(transport: McpTransport) {
  return (req: Request, res: Response): Promise<void> => {
    const context = contextOf(res);
    if (!context.governance) throw new Error('MCP route reached without the governance gate');
    return transport.serve(req, res, req.body, { ...callerOf(req, res), governance: context.governance });
  };
}

/** Without server-held sessions there is no stream to GET and no session to DELETE. */
export function methodNotAllowed(_req: Request, _res: Response): never {
  throw new MethodNotAllowedError('POST');
}
