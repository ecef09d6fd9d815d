import { createServer } from 'node:http';
import { readBody } from './http-body';
import { listenOnLoopback } from './loopback';

export interface RdsControlTestEndpoint {
  readonly endpoint: string;
  /** The engine versions the region offers, per engine (e.g. aurora-postgresql: 15.8, 16.4, 16.6). */
  setVersions(engine: string, versions: readonly string[]): void;
  stop(): Promise<void>;
}

/**
 * A small, protocol-faithful RDS control-plane endpoint (AWS Query: a form-encoded POST with
 * `Action` and `Version=2014-10-31`, answered in XML) so that `@aws-sdk/client-rds` sends real
 * requests: `DescribeDBEngineVersions` with `Engine` and optionally `EngineVersion`. Any other
 * action answers the Query protocol's error document.
 */
export async function startRdsControlTestEndpoint(versions: Record<string, readonly string[]> = {}): Promise<RdsControlTestEndpoint> {
  const offered = new Map(Object.entries(versions));
  const server = createServer(async (req, res) => {
    const form = new URLSearchParams(await readBody(req));
    const xml = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(`<?xml version="1.0"?>\n${body}`);
    };
    if (form.get('Action') !== 'DescribeDBEngineVersions') {
      return xml(400, `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Unsupported action ${escape(form.get('Action') ?? '')} (test endpoint)</Message></Error><RequestId>test</RequestId></ErrorResponse>`);
    }
    const engine = form.get('Engine') ?? '';
    const wanted = form.get('EngineVersion');
    const matching = (offered.get(engine) ?? []).filter((version) => !wanted || version === wanted || version.startsWith(`${wanted}.`));
    const entries = matching
      .map((version) => `<DBEngineVersion><Engine>${escape(engine)}</Engine><EngineVersion>${escape(version)}</EngineVersion><DBParameterGroupFamily>${escape(engine)}${escape(version.split('.')[0]!)}</DBParameterGroupFamily><Status>available</Status></DBEngineVersion>`)
      .join('');
    xml(200, `<DescribeDBEngineVersionsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBEngineVersionsResult><DBEngineVersions>${entries}</DBEngineVersions></DescribeDBEngineVersionsResult><ResponseMetadata><RequestId>test</RequestId></ResponseMetadata></DescribeDBEngineVersionsResponse>`);
  });
  const listening = await listenOnLoopback(server);
  return { endpoint: listening.url, setVersions: (engine, list) => void offered.set(engine, list), stop: listening.stop };
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
