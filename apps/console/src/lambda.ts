import { expressHttpApiHandler, type HttpApiHandler } from '@gmcp/mcp-kit/lambda';
import { createAwsConsole } from './aws-console';
import { messagePage } from './pages/layout';

/** The console behind its HTTP API, built on the first request from `source` (the function's environment). */
export function consoleHandler(source: Record<string, string | undefined>): HttpApiHandler {
  return expressHttpApiHandler('console', () => createAwsConsole(source), () => ({
    statusCode: 503,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '5', 'content-security-policy': "default-src 'none'; style-src 'self'" },
    body: messagePage('Not available', 'The approvals console could not start. Nothing was decided; try again in a moment.'),
  }));
}

/** The console's Lambda entry. */
export const handler = consoleHandler(process.env);
