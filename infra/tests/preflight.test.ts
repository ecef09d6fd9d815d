import { SERVER_NAMES } from '../src/servers';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey, startDevIssuer, type DevIssuer } from '@gmcp/dev-issuer';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import {
  startLambdaControlTestEndpoint,
  startRdsControlTestEndpoint,
  startSsmTestEndpoint,
  type LambdaControlTestEndpoint,
  type RdsControlTestEndpoint,
  type SsmTestEndpoint,
} from '@gmcp/local-aws';
import { createSsmClient } from '@gmcp/mcp-kit/platform';
import { reportPreflight } from '../src/deploy-cli';
import { deploymentPlan } from '../src/deployment';
import { preflight, stageReservedConcurrency } from '../src/preflight';
import { loadStageConfig } from '../src/stage-config';

describe('preflight (SSM and Lambda test endpoints, dev issuer)', () => {
  let ssm: SsmTestEndpoint;
  let lambdaControl: LambdaControlTestEndpoint;
  let rdsControl: RdsControlTestEndpoint;
  let issuer: DevIssuer;
  let dir: string;
  const key = () => randomBytes(32).toString('base64');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preflight-'));
    issuer = await startDevIssuer(await loadOrCreateSigningKey(join(dir, 'key.json')), { port: 0 });
    ssm = await startSsmTestEndpoint();
    lambdaControl = await startLambdaControlTestEndpoint({ concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000 });
    rdsControl = await startRdsControlTestEndpoint({ 'aurora-postgresql': ['15.8', '16.4', '16.6'] });
  });
  afterAll(async () => {
    await issuer.stop();
    await ssm.stop();
    await lambdaControl.stop();
    await rdsControl.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const AUDIT_KEYS = SERVER_NAMES.map((service) => `/gmcp/production/${service}/audit/hmac-key`);
  /** The production plan, with the dev issuer standing in for the corporate one. */
  const plan = (jwksUrl = issuer.jwksUrl) => {
    const production = loadStageConfig('production');
    return deploymentPlan('production', undefined, { ...production, auth: { ...production.auth, issuer: issuer.issuer, jwksUrl } });
  };
  const clients = () => ({
    ssm: createSsmClient({ region: 'us-east-1', endpoint: ssm.endpoint }),
    lambda: new LambdaClient({ region: 'eu-west-1', endpoint: lambdaControl.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    rds: new RDSClient({ region: 'eu-west-1', endpoint: rdsControl.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  });
  const run = async (jwksUrl?: string) => {
    const connected = clients();
    try {
      return await preflight(plan(jwksUrl), connected);
    } finally {
      for (const client of Object.values(connected)) client.destroy();
    }
  };
  const failures = async (jwksUrl?: string) => (await run(jwksUrl)).filter((check) => !check.ok).map((check) => `${check.check}: ${check.detail}`);

  it('names every operator secret that is missing before anything is deployed', async () => {
    expect(await failures()).toEqual([
      ...AUDIT_KEYS.map((name) => `${name} holds an HMAC key: not found`),
      '/gmcp/production/approvals/hmac-key holds an HMAC key: not found',
      '/gmcp/production/edge/origin-secret holds the edge secret: not found',
      "/gmcp/production/console/client-secret holds the console's client secret: not found",
    ]);
  });

  it('refuses a plain String, a short key, the same key twice, and a malformed edge secret', async () => {
    const shared = key();
    ssm.put(AUDIT_KEYS[0]!, shared);
    for (const name of AUDIT_KEYS.slice(1)) ssm.put(name, key(), 'SecureString');
    ssm.put('/gmcp/production/approvals/hmac-key', shared, 'SecureString');
    ssm.put('/gmcp/production/edge/origin-secret', 'too-short', 'SecureString');
    ssm.put('/gmcp/production/console/client-secret', 'short', 'SecureString');
    expect(await failures()).toEqual([
      `${AUDIT_KEYS[0]} holds an HMAC key: is a String, not a SecureString`,
      'every audit key and the approval key differ: two parameters hold the same key: each server signs as itself only with a key of its own',
      '/gmcp/production/edge/origin-secret holds the edge secret: must hold one or two values of at least 32 characters (the first is the one CloudFront sends)',
      "/gmcp/production/console/client-secret holds the console's client secret: must hold the console client secret the provider issued (at least 32 characters)",
    ]);
    ssm.put('/gmcp/production/approvals/hmac-key', randomBytes(16).toString('base64'), 'SecureString');
    expect(await failures()).toContain('/gmcp/production/approvals/hmac-key holds an HMAC key: is not a base64 key of at least 32 bytes');
  });

  it('passes once the keys are right and the issuer publishes RSA keys at the stage’s JWKS URL, and prints one line per check', async () => {
    for (const name of AUDIT_KEYS) ssm.put(name, key(), 'SecureString');
    ssm.put('/gmcp/production/approvals/hmac-key', key(), 'SecureString');
    ssm.put('/gmcp/production/edge/origin-secret', `${'n'.repeat(40)} ${'o'.repeat(40)}`, 'SecureString');
    ssm.put('/gmcp/production/console/client-secret', 'c'.repeat(48), 'SecureString');
    const lines: string[] = [];
    expect(reportPreflight(await run(), (line) => lines.push(line))).toBe(true);
    expect(lines).toHaveLength(AUDIT_KEYS.length + 7);
    expect(lines.every((line) => line.startsWith('ok'))).toBe(true);
  });

  it('names the URL it could not read', async () => {
    const production = loadStageConfig('production');
    const connected = clients();
    const checks = await preflight(deploymentPlan('production', undefined, { ...production, auth: { ...production.auth, issuer: 'http://127.0.0.1:9/issuer' } }), connected);
    for (const client of Object.values(connected)) client.destroy();
    expect(checks.at(-3)).toMatchObject({ ok: false, detail: expect.stringMatching(/^http:\/\/127\.0\.0\.1:9\/issuer\/\.well-known\/openid-configuration could not be read: /) });
  });

  it('refuses a JWKS URL that is not the one the issuer publishes (the gateway and the kit would disagree)', async () => {
    expect(await failures(`${issuer.issuer}/keys`)).toEqual([
      expect.stringContaining(`discovery's jwks_uri is ${issuer.jwksUrl}: the gateway and the kit would verify against different keys`),
    ]);
  });

  it('refuses an account whose Lambda concurrency quota cannot hold the stage\'s reservations, with the numbers and the step to raise it', async () => {
    const reserved = stageReservedConcurrency(plan());
    expect(reserved).toBe(160);
    lambdaControl.setLimits({ concurrentExecutions: 100, unreservedConcurrentExecutions: 100 });
    const concurrency = (await run()).at(-2)!;
    lambdaControl.setLimits({ concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000 });
    expect(concurrency).toEqual({
      check: "the account's Lambda concurrency quota in eu-west-1 is at least 260 (160 reserved by the stage + 100 Lambda keeps unreserved)",
      ok: false,
      detail:
        'the quota is 100: request an increase before deploying (Service Quotas → AWS Lambda → Concurrent executions, or aws service-quotas request-service-quota-increase --region eu-west-1 --service-code lambda --quota-code L-B99A9384 --desired-value 260), or lower reservedConcurrency in infra/stages/production.json',
    });
    expect((await run()).at(-2)).toMatchObject({ ok: true, detail: 'quota 1000, unreserved now 1000' });
  });

  it('refuses an Aurora version the region no longer offers, naming the ones it does', async () => {
    expect((await run()).at(-1)).toEqual({ check: 'aurora-postgresql 16.4 can be created in eu-west-1', ok: true, detail: 'offered' });
    rdsControl.setVersions('aurora-postgresql', ['15.8', '16.6', '16.8']);
    const retired = (await run()).at(-1);
    rdsControl.setVersions('aurora-postgresql', ['15.8', '16.4', '16.6']);
    expect(retired).toEqual({
      check: 'aurora-postgresql 16.4 can be created in eu-west-1',
      ok: false,
      detail: 'not offered; aurora-postgresql 16 versions the region offers: 16.6, 16.8. Change AURORA_ENGINE in infra/src/deployment.ts (a new stage only: a running cluster keeps its version)',
    });
  });
});
