import { SERVER_NAMES, type ServerName, type StageConfig } from '@gmcp/infra';
import type { StageIdentity } from './stage-identity';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
/** Any credentials: the local peers accept them. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A stage as its configuration file would declare it, except that its identity provider runs on loopback. */
export function testStageConfig(identity: StageIdentity): StageConfig {
  const service = (name: ServerName) => ({ ...identity.service(name), reservedConcurrency: 5, memoryMb: 512, timeoutSeconds: 20, throttle: { ratePerSecond: 50, burst: 100 } });
  return {
    stage: 'e2e',
    account: ACCOUNT,
    region: REGION,
    retain: false,
    auth: identity.auth,
    governanceDir: 'config/governance',
    services: Object.fromEntries(SERVER_NAMES.map((name) => [name, service(name)])) as StageConfig['services'],
    logRetentionDays: 30,
    approvals: { ttlSeconds: 3600, approverEmails: [] },
    alarms: { emails: [] },
    database: { minCapacity: 0, maxCapacity: 2 },
    // The chain starts a day before the stage does: the loopback stage's records are all in it.
    auditDigests: { scheduleMinutes: 60, chainStart: new Date(Date.now() - 86_400_000).toISOString() },
    edge: { waf: false, rateLimitPer5Minutes: 1000 },
  };
}
