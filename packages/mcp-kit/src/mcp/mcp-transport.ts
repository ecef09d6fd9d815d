import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, type McpServerFactory } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { Logger } from '../logging/logger';
import { toAuthInfo, type CallerContext } from './caller';

/**
 * Streamable HTTP, stateless: the SDK answers 2026-07-28 requests and, through its
 * stateless fallback, 2025-era ones, each from a fresh server instance, which reads the
 * caller from the request's AuthInfo.
 */
export function createMcpTransport(factory: McpServerFactory, options: { maxBodyBytes: number; logger: Logger }) {
  const onerror = (error: Error) => options.logger.warn('MCP transport error', { error });
  const handler = createMcpHandler(factory, { maxRequestBodySize: options.maxBodyBytes, onerror });
  const serve = toNodeHandler(handler, { maxRequestBodySize: options.maxBodyBytes, onerror });
  return {
    /** Serves one parsed request for this caller. */
    serve: (req: IncomingMessage, res: ServerResponse, body: unknown, caller: CallerContext): Promise<void> => {
      (req as IncomingMessage & { auth?: unknown }).auth = toAuthInfo(caller);
      return serve(req, res, body);
    },
    /** Aborts in-flight 2026-07-28 exchanges (2025-era ones end when their connections close). */
    close: () => handler.close(),
  };
}

export type McpTransport = ReturnType<typeof createMcpTransport>;
