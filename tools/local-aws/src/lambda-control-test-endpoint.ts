import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback';

/** An account's Lambda concurrency, as `GetAccountSettings` reports it. */
export interface LambdaAccountLimits {
  /** The account's concurrency quota in the region (1,000 by default; lower on new accounts). */
  concurrentExecutions: number;
  /** What remains after every function's reserved concurrency. */
  unreservedConcurrentExecutions: number;
}

export interface LambdaControlTestEndpoint {
  readonly endpoint: string;
  setLimits(limits: LambdaAccountLimits): void;
  stop(): Promise<void>;
}

/**
 * A small, protocol-faithful Lambda control-plane endpoint (REST JSON, as `@aws-sdk/client-lambda`
 * sends it): `GET /2016-08-19/account-settings/` answers the account's limits and usage; any
 * other operation answers Lambda's 404 error shape, so a test never passes by accident.
 */
export async function startLambdaControlTestEndpoint(limits: LambdaAccountLimits): Promise<LambdaControlTestEndpoint> {
  let current = limits;
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://peer').pathname.replace(/\/$/, '');
    if (req.method !== 'GET' || path !== '/2016-08-19/account-settings') {
      return json(404, { Type: 'User', message: `Unsupported operation ${req.method} ${path} (test endpoint)` }, 'ResourceNotFoundException');
    }
    json(200, {
      AccountLimit: {
        TotalCodeSize: 80_530_636_800,
        CodeSizeUnzipped: 262_144_000,
        CodeSizeZipped: 52_428_800,
        ConcurrentExecutions: current.concurrentExecutions,
        UnreservedConcurrentExecutions: current.unreservedConcurrentExecutions,
      },
      AccountUsage: { TotalCodeSize: 0, FunctionCount: 0 },
    });
  });
  const listening = await listenOnLoopback(server);
  return { endpoint: listening.url, setLimits: (limits) => void (current = limits), stop: listening.stop };
}
