import type { Request, Response } from 'express';
import { createMcpHandler, type McpServerFactory } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { ServiceConfig } from '../config/service-config';
import type { Logger } from '../logging/logger';
import { toAuthInfo } from '../mcp/server-factory';
import { actorOf, contextOf } from './request-context';
import { originOf } from './governance-gate';

/**
 * Streamable HTTP, stateless: the SDK answers 2026-07-28 requests and, through its
 * stateless fallback, 2025-era ones, each from a fresh server instance.
 */
export function mcpEndpoint(factory: McpServerFactory, config: ServiceConfig, logger: Logger) {
  const onerror = (error: Error) => logger.warn('MCP transport error', { error });
  const handler = createMcpHandler(factory, { maxRequestBodySize: config.maxBodyBytes, onerror });
  const serve = toNodeHandler(handler, { maxRequestBodySize: config.maxBodyBytes, onerror });

  const route = (req: Request, res: Response): Promise<void> => {
    const context = contextOf(res);
    if (!context.governance) throw new Error('MCP route reached without the governance gate');
    (req as Request & { auth?: unknown }).auth = toAuthInfo({
      actor: actorOf(res),
      origin: originOf(req, context.requestId),
      governance: context.governance,
    });
    return serve(req, res, req.body);
  };
  return { route, close: () => handler.close() };
}

/** Without server-held sessions there is no stream to GET and no session to DELETE. */
export function methodNotAllowed(_req: Request, res: Response): void {
  res
    .status(405)
    .set('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless; use POST.' }, id: null });
}
