import { SERVER_NAMES } from './servers';
import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import { GetAccountSettingsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBEngineVersionsCommand, type RDSClient } from '@aws-sdk/client-rds';
import { edgeSecretValues } from '@gmcp/mcp-kit/platform';
import type { DeploymentPlan } from './deployment';

/** One thing that must hold before a stage is deployed, and what was found. */
export interface PreflightCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

type Fetch = (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/**
 * What `sst deploy` cannot know and the functions would only find at their first cold
 * start: the keys an operator must have put in SSM (present, SecureString, of the size the
 * kit requires, the two HMAC keys different), and an issuer whose published keys the
 * gateway's authorizer can use (the stage's `jwksUrl` is the discovery's `jwks_uri`, with an
 * RSA key: the HTTP API authorizer accepts nothing else); and an account whose Lambda
 * concurrency quota leaves room for the stage's reservations.
 */
export async function preflight(plan: DeploymentPlan, clients: { ssm: SSMClient; lambda: LambdaClient; rds: RDSClient }, fetchJson: Fetch = fetch): Promise<PreflightCheck[]> {
  const { ssm } = clients;
  const { names, config } = plan;
  const read = (name: string) => readSecureString(ssm, name);
  const auditNames = SERVER_NAMES.map(names.auditKeyParameter);
  const [approval, edge, consoleSecret, ...audits] = await Promise.all([
    read(names.approvalKeyParameter),
    plan.edge ? read(plan.edge.secretParameter) : undefined,
    read(names.consoleClientSecretParameter),
    ...auditNames.map(read),
  ]);
  const values = [...audits, approval].map((key) => key?.value).filter((value): value is string => Boolean(value));
  return [
    ...auditNames.map((name, index) => hmacKeyCheck(name, audits[index])),
    hmacKeyCheck(names.approvalKeyParameter, approval),
    // Compared only among those read: a missing key is reported above.
    {
      check: 'every audit key and the approval key differ',
      ok: new Set(values).size === values.length,
      detail: new Set(values).size === values.length ? 'all different' : 'two parameters hold the same key: each server signs as itself only with a key of its own',
    },
    ...(plan.edge ? [edgeSecretCheck(plan.edge.secretParameter, edge)] : []),
    consoleSecretCheck(names.consoleClientSecretParameter, consoleSecret),
    await issuerCheck(config.auth.issuer, config.auth.jwksUrl, fetchJson),
    await concurrencyCheck(plan, clients.lambda),
    await engineVersionCheck(plan, clients.rds),
  ];
}

/** The pinned Aurora version must be one the stage's region can create (versions are retired region by region). */
async function engineVersionCheck(plan: DeploymentPlan, rds: RDSClient): Promise<PreflightCheck> {
  const { engine, version } = plan.databaseEngine;
  const check = `${engine} ${version} can be created in ${plan.config.region}`;
  try {
    const exact = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: engine, EngineVersion: version }));
    if (exact.DBEngineVersions?.some((offered) => offered.EngineVersion === version)) return { check, ok: true, detail: 'offered' };
    const major = version.split('.')[0]!;
    const sameMajor = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: engine, EngineVersion: major }));
    const offered = (sameMajor.DBEngineVersions ?? []).map((entry) => entry.EngineVersion).filter((entry): entry is string => Boolean(entry));
    return {
      check,
      ok: false,
      detail: `not offered; ${engine} ${major} versions the region offers: ${offered.length ? offered.join(', ') : 'none'}. Change AURORA_ENGINE in infra/src/deployment.ts (a new stage only: a running cluster keeps its version)`,
    };
  } catch (error) {
    return { check, ok: false, detail: `DescribeDBEngineVersions failed: ${(error as Error).message}` };
  }
}

/** Lambda keeps this much of an account's concurrency unreserved: reservations cannot take it. */
export const UNRESERVED_MINIMUM = 100;
/** Service Quotas' code for Lambda's "Concurrent executions". */
const CONCURRENCY_QUOTA_CODE = 'L-B99A9384';

/** What the stage's functions reserve together (each API function per the stage file; the fixed ones). */
export function stageReservedConcurrency(plan: Pick<DeploymentPlan, 'services' | 'console'>): number {
  return plan.services.flatMap((service) => service.functions).reduce((sum, fn) => sum + fn.reservedConcurrency, 0) + plan.console.reservedConcurrency;
}

async function concurrencyCheck(plan: DeploymentPlan, lambda: LambdaClient): Promise<PreflightCheck> {
  const reserved = stageReservedConcurrency(plan);
  const needed = reserved + UNRESERVED_MINIMUM;
  const check = `the account's Lambda concurrency quota in ${plan.config.region} is at least ${needed} (${reserved} reserved by the stage + ${UNRESERVED_MINIMUM} Lambda keeps unreserved)`;
  try {
    const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
    const quota = AccountLimit?.ConcurrentExecutions ?? 0;
    if (quota >= needed) return { check, ok: true, detail: `quota ${quota}, unreserved now ${AccountLimit?.UnreservedConcurrentExecutions ?? '?'}` };
    return {
      check,
      ok: false,
      detail:
        `the quota is ${quota}: request an increase before deploying (Service Quotas → AWS Lambda → Concurrent executions, or ` +
        `aws service-quotas request-service-quota-increase --region ${plan.config.region} --service-code lambda --quota-code ${CONCURRENCY_QUOTA_CODE} --desired-value ${needed}), ` +
        `or lower reservedConcurrency in infra/stages/${plan.config.stage}.json`,
    };
  } catch (error) {
    return { check, ok: false, detail: `GetAccountSettings failed: ${(error as Error).message}` };
  }
}

interface SecureString {
  type?: string;
  value?: string;
  error?: string;
}

async function readSecureString(ssm: SSMClient, name: string): Promise<SecureString> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return { type: Parameter?.Type, value: Parameter?.Value };
  } catch (error) {
    return { error: error instanceof ParameterNotFound ? 'not found' : (error as Error).message };
  }
}

function secureStringProblem(found: SecureString | undefined): string | undefined {
  if (!found || found.error) return found?.error ?? 'not read';
  if (found.type !== 'SecureString') return `is a ${found.type}, not a SecureString`;
  return undefined;
}

function hmacKeyCheck(name: string, found: SecureString | undefined): PreflightCheck {
  const problem = secureStringProblem(found) ?? (Buffer.from(found!.value ?? '', 'base64').length < 32 ? 'is not a base64 key of at least 32 bytes' : undefined);
  return { check: `${name} holds an HMAC key`, ok: !problem, detail: problem ?? 'SecureString, base64, at least 32 bytes' };
}

function edgeSecretCheck(name: string, found: SecureString | undefined): PreflightCheck {
  const values = edgeSecretValues(found?.value ?? '');
  const problem = secureStringProblem(found) ?? (values.length < 1 || values.length > 2 || values.some((value) => value.length < 32) ? 'must hold one or two values of at least 32 characters (the first is the one CloudFront sends)' : undefined);
  return { check: `${name} holds the edge secret`, ok: !problem, detail: problem ?? `${values.length} value(s)` };
}

function consoleSecretCheck(name: string, found: SecureString | undefined): PreflightCheck {
  const problem = secureStringProblem(found) ?? ((found!.value ?? '').length < 32 ? 'must hold the console client secret the provider issued (at least 32 characters)' : undefined);
  return { check: `${name} holds the console's client secret`, ok: !problem, detail: problem ?? 'SecureString, at least 32 characters' };
}

async function issuerCheck(issuer: string, jwksUrl: string, fetchJson: Fetch): Promise<PreflightCheck> {
  const check = `the issuer's discovery names ${issuer} and ${jwksUrl}, which serves RSA keys`;
  const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let url = discoveryUrl;
  try {
    const discovery = (await (await fetchJson(discoveryUrl)).json()) as { issuer?: string; jwks_uri?: string };
    if (discovery.issuer !== issuer) return { check, ok: false, detail: `discovery names issuer ${discovery.issuer}, the stage ${issuer}` };
    if (discovery.jwks_uri !== jwksUrl) return { check, ok: false, detail: `discovery's jwks_uri is ${discovery.jwks_uri}: the gateway and the kit would verify against different keys` };
    url = jwksUrl;
    const response = await fetchJson(jwksUrl);
    const { keys = [] } = (await response.json()) as { keys?: { kty?: string }[] };
    const rsa = keys.filter((key) => key.kty === 'RSA').length;
    return rsa > 0 ? { check, ok: true, detail: `${rsa} RSA key(s)` } : { check, ok: false, detail: 'no RSA key: the HTTP API authorizer accepts RSA signatures only' };
  } catch (error) {
    return { check, ok: false, detail: `${url} could not be read: ${(error as Error).message}` };
  }
}
