import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { APPROVAL_BACKLOG_METRIC, auditDigestAlarm, BUNDLE_NAMES, bundleLambda, SERVER_NAMES, type ServerName } from '@gmcp/infra';
import { createMetricStore, evaluateAlarm, type AlarmEvaluation } from '@gmcp/local-aws';
import { startAwsStage, type AwsStage, type DeployedService } from '@gmcp/platform';

jest.setTimeout(120_000);

const inAlarm = (alarms: AlarmEvaluation[]) => alarms.filter((alarm) => alarm.state !== 'OK').map((alarm) => alarm.name);

/**
 * A release engineer's first deploy, on loopback: every server deployed as the plan ships it, the
 * scheduled functions' first runs included, used the way assistants use it (the v1 SDK client),
 * and then every alarm `sst.config.ts` creates evaluated as CloudWatch would against what the
 * functions logged (EMF) and what Lambda and the gateway reported.
 */
describe('a fresh stage after its first deploy', () => {
  let stage: AwsStage;
  const deployed = {} as Record<ServerName, DeployedService>;
  const call = async (service: ServerName, scopes: string[], name: string, args: Record<string, unknown>) => {
    const client = new V1Client({ name: 'assistant', version: '1.0.0' });
    const headers = { Authorization: `Bearer ${await stage.token(service, 'alice', scopes)}` };
    await client.connect(new V1StreamableHTTPClientTransport(new URL(`${deployed[service].url}/mcp`), { requestInit: { headers } }));
    try {
      return await client.callTool({ name, arguments: args });
    } finally {
      await client.close();
    }
  };

  beforeAll(async () => {
    for (const name of BUNDLE_NAMES) await bundleLambda(name);
    stage = await startAwsStage();
    for (const service of SERVER_NAMES) deployed[service] = await stage.deploy(service);
    await call('policy-reader', ['policies:read'], 'search_policies', { query: 'hotel nightly rate' });
    await call('ops-reader', ['tickets:read', 'incidents:read'], 'get_ticket_status', { ticket_id: 'TCK-1042' });
    await call('ops-writer', ['tickets:write', 'incidents:write', 'approvals:read'], 'change_incident_severity', { incident_id: 'INC-2047', severity: 'SEV3', reason: 'Contained: one region only.' });
  });
  afterAll(async () => {
    await stage?.stop();
  });

  it('pages nobody: every alarm is OK, those that count a silent schedule as breaching included', () => {
    const alarms = stage.alarms();
    expect(alarms.length).toBeGreaterThan(30);
    expect(inAlarm(alarms)).toEqual([]);
  });

  it('is quiet because the first runs reported, not because nothing was measured', () => {
    const newest = (name: string) => stage.alarms().find((alarm) => alarm.name === name)!.periods.at(-1)!;
    expect(stage.firstDigest).toMatchObject({ record_count: expect.any(Number) });
    expect(newest(`${stage.names.digestFunction}-failing`).value).toBe(0);
    expect(newest(`${stage.names.prefix}-approval-backlog-age`).value).toEqual(expect.any(Number));
    expect(stage.metrics.all().some((datum) => datum.metricName === APPROVAL_BACKLOG_METRIC && datum.dimensions.service === 'ops-writer')).toBe(true);
    // What the calls above reported: EMF from the functions, and the gateway's and Lambda's own metrics.
    const metricNames = new Set(stage.metrics.all().map((datum) => `${datum.namespace} ${datum.metricName}`));
    expect([...metricNames]).toEqual(expect.arrayContaining(['GovernedMcp ToolCalls', 'AWS/ApiGateway 4xx', 'AWS/ApiGateway 5xx', 'AWS/Lambda Errors', 'AWS/Lambda Invocations']));
    // Without the first run, the digest's alarm would page a fresh stage at once.
    expect(evaluateAlarm(auditDigestAlarm(stage.config), createMetricStore(), Date.now()).state).toBe('ALARM');
  });

  it('stays quiet for one silent schedule period, and pages when the schedules miss a second one', () => {
    const scheduled = [`${stage.names.digestFunction}-failing`, `${stage.names.prefix}-approval-backlog-age`];
    const periodsMs = stage
      .alarms()
      .filter((alarm) => scheduled.includes(alarm.name))
      .map((alarm) => alarm.periods[1]!.end - alarm.periods[0]!.end);
    const later = (ms: number) => inAlarm(stage.alarms(Date.now() + ms));
    expect(later(Math.min(...periodsMs) - 1000)).toEqual([]);
    expect(later(2 * Math.max(...periodsMs) + 1000)).toEqual(expect.arrayContaining(scheduled));
  });

  it('each server read its signing keys, allowlist and call policies from SSM in one call at its cold start', () => {
    for (const service of SERVER_NAMES) {
      const ssm = deployed[service].calls('api').filter((call) => call.action.startsWith('ssm:'));
      expect({ service, actions: [...new Set(ssm.map((call) => call.action))] }).toEqual({ service, actions: ['ssm:GetParameters'] });
      expect(ssm.map((call) => call.resource)).toEqual(expect.arrayContaining([expect.stringContaining(`/${service}/governance`), expect.stringContaining(`/${service}/call-policies`)]));
    }
  });

  it('pages on what it watches: a burst of forged tokens raises the auth-failure alarm', async () => {
    const forged = () =>
      fetch(`${deployed['policy-reader'].url}/mcp`, {
        method: 'POST',
        headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    for (let attempt = 0; attempt < 25; attempt++) expect((await forged()).status).toBe(401);
    expect(inAlarm(stage.alarms())).toEqual([`${stage.names.prefix}-policy-reader-auth-failures-spike`]);
  });
});
