import { isJSONRPCRequest } from '@modelcontextprotocol/server';
import type { ToolCallRequest } from '../pipeline/call';

/**
 * The `tools/call` requests in a JSON-RPC message or batch — only messages the SDK itself
 * accepts as requests, so that the governance gate and the protocol layer agree on what will run.
 */
export function toolCallsIn(body: unknown): { batched: boolean; calls: ToolCallRequest[] } {
  const messages = Array.isArray(body) ? body : [body];
  const calls = messages.flatMap((message) => {
    if (!isJSONRPCRequest(message) || message.method !== 'tools/call') return [];
    const params = message.params as { name?: unknown; arguments?: unknown } | undefined;
    return [{ id: message.id, name: typeof params?.name === 'string' ? params.name : '', arguments: params?.arguments }];
  });
  return { batched: Array.isArray(body), calls };
}
