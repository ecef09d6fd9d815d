import { expressHttpApiHandler, type WarmableHttpApiHandler } from '@gmcp/mcp-kit/lambda';
import { createAwsConsole } from './aws-console';
import { messagePage } from './pages/layout';

/** The console behind its HTTP API, built from `source` (the function's environment) by `warm()` in INIT, or else by the first request. */
export function consoleHandler(source: Record<string, string | undefined>): WarmableHttpApiHandler {
  return expressHttpApiHandler('console', () => createAwsConsole(source), () => ({
    statusCode: 503,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '5', 'content-security-policy': "default-src 'none'; style-src 'self'" },
    body: messagePage('Not available', 'The approvals console could not start. Nothing was decided; try again in a moment.'),
  }));
}
