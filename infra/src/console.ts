import { AUDIT_INDEXES } from '@gmcp/mcp-kit/platform';
import { CONSOLE_CLIENT_ID, CONSOLE_ROUTES } from '@gmcp/console/deployment-contract';
import { AUDIT_MUTATIONS } from './iam';
import { arns, resourceNames } from './names';
import { allow, deny, document as policyDocument, type PolicyDocument } from './policy-document';
import { approvalServer, SERVER_NAMES } from './servers';
import type { StageConfig } from './stage-config';

type Config = Pick<StageConfig, 'stage' | 'account' | 'region' | 'auth' | 'services' | 'auditDigests'>;

/** The console's components in sst.config.ts (`npm run deploy -- --service console` targets them). */
export const CONSOLE_COMPONENTS = { api: 'ConsoleHttp', function: 'ConsoleFn', role: 'ConsoleRole', rolePolicy: 'ConsoleRolePolicy' } as const;

/** What only exists once deployed: its own URL, the writer's API and the digest key. */
export interface ConsoleLate {
  publicUrl: string;
  writerUrl: string;
  digestKeyArn: string;
}

/**
 * The approvals console on AWS: its own HTTP API (its declared pages, no gateway authorizer:
 * it signs people in itself), one function with its own role, a sessions table. It decides
 * through the writer's approval API with each user's token, so its role reaches no approval
 * record and no database: sessions, its client secret, and (for auditors) reading the audit
 * trail, every server's key history and the digests.
 */
export function consolePlan(config: Config) {
  const names = resourceNames(config);
  const clientId = config.auth.consoleClientId ?? CONSOLE_CLIENT_ID;
  if (!config.auth.approverClientIds.includes(clientId)) {
    throw new Error(`auth.approverClientIds must include ${clientId} (auth.consoleClientId): the console decides through the writer's approval API as that client`);
  }
  const writer = approvalServer();
  return {
    components: CONSOLE_COMPONENTS,
    /** The server whose approval API the console calls. */
    writer,
    apiName: names.consoleApi,
    name: names.consoleFunction,
    bundle: 'dist/lambda/console',
    handler: 'index.handler',
    memoryMb: 512,
    timeoutSeconds: 15,
    reservedConcurrency: 10,
    /** The API's stage throttle: sign-in starts cost a table write each, and approvers must not be locked out by a flood. */
    throttle: { ratePerSecond: 20, burst: 40 },
    routes: CONSOLE_ROUTES.map((route) => ({ route, auth: false as const })),
    clientSecretParameter: names.consoleClientSecretParameter,
    policy: (late: Pick<ConsoleLate, 'digestKeyArn'>) => consolePolicy(config, late),
    environment: (late: ConsoleLate): Record<string, string> => ({
      NODE_ENV: 'production',
      PUBLIC_URL: late.publicUrl,
      AUTH_ISSUER: config.auth.issuer,
      CONSOLE_CLIENT_ID: clientId,
      CONSOLE_CLIENT_SECRET_PARAMETER: names.consoleClientSecretParameter,
      WRITER_URL: late.writerUrl,
      WRITER_RESOURCE: config.services[writer].audience,
      SESSION_TABLE: names.consoleSessionTable,
      AUDIT_TABLE: names.auditTable,
      AUDIT_KEY_PARAMETERS: SERVER_NAMES.map((server) => `${server}=${names.auditKeyParameter(server)}`).join(','),
      AUDIT_DIGEST_BUCKET: names.digestBucket,
      AUDIT_DIGEST_KEY_ID: late.digestKeyArn,
    }),
  };
}
export type ConsolePlan = ReturnType<typeof consolePlan>;

/** The console's role: its sessions, its secret, and reading the audit trail; every audit mutation denied, as for every role. */
export function consolePolicy(config: Config, late: Pick<ConsoleLate, 'digestKeyArn'>): PolicyDocument {
  const names = resourceNames(config);
  const arn = arns(config);
  return policyDocument([
    allow('OwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [arn.logStreams(names.consoleFunction)]),
    allow('Sessions', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [arn.table(names.consoleSessionTable)]),
    allow('ClientSecret', ['ssm:GetParameter'], [arn.parameter(names.consoleClientSecretParameter)]),
    // Auditors' pages: search (the table and its indexes), verify with every key each server has had, the digests.
    allow('ReadAuditRecords', ['dynamodb:Query'], [arn.table(names.auditTable), ...Object.values(AUDIT_INDEXES).map((index) => arn.tableIndex(names.auditTable, index))]),
    allow('ReadAuditKeyHistory', ['ssm:GetParameterHistory'], SERVER_NAMES.map((server) => arn.parameter(names.auditKeyParameter(server)))),
    allow('ListDigests', ['s3:ListBucket'], [arn.digestBucket], { StringLike: { 's3:prefix': ['digests/*'] } }),
    allow('ReadDigests', ['s3:GetObject'], [arn.digestObjects('digests/*')]),
    allow('DigestPublicKey', ['kms:GetPublicKey'], [late.digestKeyArn]),
    deny('AuditIsImmutable', [...AUDIT_MUTATIONS], [arn.table(names.auditTable), arn.tableIndexes(names.auditTable)]),
  ]);
}
