import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import serverless from 'serverless-http';
import { answerFor } from '../errors/error-table';
import { ServiceStartingError } from '../errors/errors';
import { createLogger } from '../logging/logger';
import type { McpService } from '../service/create-service';
import { once } from './once';

type RequestListener = Parameters<typeof serverless>[0];

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** An HTTP API entry that can also be built ahead of its first event. */
export interface WarmableHttpApiHandler extends HttpApiHandler {
  /**
   * Builds what the first event would (the service, its app) now, for Lambda's INIT phase.
   * Settles after `budgetMs` at the latest (Lambda stops an INIT that runs past 10 s and starts
   * it again within the first invoke): the build goes on, and the first event waits for it.
   * Never rejects: a failed build is logged, and the next event tries again and answers as it
   * would have.
   */
  warm(budgetMs?: number): Promise<void>;
}

/**
 * The Lambda entry of an MCP server behind an API Gateway HTTP API (payload format 2.0).
 * Each event is served by the same express app `npm start` runs, which authenticates it (the
 * MCP endpoint has no gateway authorizer: its 401 must carry the RFC 9728 challenge), and the
 * client address is taken as `clientAddress` says. The service is built by `warm()` (in INIT) or
 * else on the first event, and kept for the life of the execution environment.
 */
export function httpApiHandler(serverName: string, init: () => Promise<McpService>): WarmableHttpApiHandler {
  return expressHttpApiHandler(
    serverName,
    async () => {
      const service = await init();
      return { app: service.app, trustedHops: typeof service.config.trustProxy === 'number' ? service.config.trustProxy : 0 };
    },
    unavailable,
  );
}

/**
 * Any express app behind an HTTP API (the approvals console too): built by `warm()` or the first event,
 * kept for the life of the execution environment, rebuilt after a failed start; while it
 * cannot start, each request gets `unavailableAnswer`.
 */
export function expressHttpApiHandler(
  name: string,
  init: () => Promise<{ app: RequestListener; trustedHops: number }>,
  unavailableAnswer: (error: unknown) => APIGatewayProxyStructuredResultV2,
): WarmableHttpApiHandler {
  const handlerOf = once(async () => {
    const { app, trustedHops } = await init();
    const request = (req: { ip?: string }, event: APIGatewayProxyEventV2) => void (req.ip = clientAddress(event, trustedHops));
    return serverless(app, { provider: 'aws', binary: false, request }) as unknown as HttpApiHandler;
  });
  const logger = createLogger(name, 'INFO');
  const handler = async (event: APIGatewayProxyEventV2, context: Context) => {
    let handle: HttpApiHandler;
    try {
      handle = await handlerOf();
    } catch (error) {
      logger.error('service could not start; refusing the request', { error: error as Error });
      return unavailableAnswer(error);
    }
    return handle(event, context);
  };
  const warm = (budgetMs = INIT_BUDGET_MS) =>
    withinBudget(
      handlerOf().then(
        () => undefined,
        (error: unknown) => logger.error('service could not start ahead of the first request; the first request tries again', { error: error as Error }),
      ),
      budgetMs,
    );
  return Object.assign(handler, { warm });
}

/** How long INIT waits for a build: under Lambda's 10 s INIT limit, with room for the import. */
const INIT_BUDGET_MS = 8_000;

/** `work`, or nothing once `budgetMs` has passed (the work goes on). */
function withinBudget(work: Promise<void>, budgetMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
  return Promise.race([work, budget]).finally(() => clearTimeout(timer));
}

/**
 * The caller's address. API Gateway's `sourceIp` is its own peer, and it appends that peer
 * to `X-Forwarded-For`; with `trustedHops` proxies in front of the gateway (CloudFront: 1),
 * each appended its own peer before, so the client is that many entries further left.
 * Entries a client wrote itself sit further left still and are never believed.
 */
export function clientAddress(event: APIGatewayProxyEventV2, trustedHops: number): string {
  const source = event.requestContext.http.sourceIp;
  if (trustedHops <= 0) return source;
  const chain = (event.headers['x-forwarded-for'] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  if (chain[chain.length - 1] !== source) chain.push(source);
  return chain[chain.length - 1 - trustedHops] ?? source;
}

/** Nothing runs when the service cannot start (no audit, no policy): the caller may retry. */
function unavailable(error: unknown): APIGatewayProxyStructuredResultV2 {
  const answer = answerFor(new ServiceStartingError({ cause: error }), { resourceMetadataUrl: '', issuer: '', unexpected: 'jsonrpc' });
  return { statusCode: answer.status, headers: { 'content-type': 'application/json', ...lowercased(answer.headers) }, body: JSON.stringify(answer.body) };
}

function lowercased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
