import { consolePolicy } from '../src/console';
import { auditDigestPolicy, functionPolicy, migrationPolicy, stateMachinePolicy, UNSCOPABLE_ACTIONS, AUDIT_MUTATIONS } from '../src/iam';
import { arns, resourceNames, type FunctionKind } from '../src/names';
import { isAllowed, type PolicyDocument } from '../src/policy-document';
import { functionsOf } from '../src/services';
import { SERVER_NAMES, SERVERS, type ServerName } from '../src/servers';
import { loadStageConfig } from '../src/stage-config';

const config = loadStageConfig('production');
const names = resourceNames(config);
const arn = arns(config);
const roles = SERVER_NAMES.flatMap((service) => functionsOf(service).map((fn) => ({ service, kind: fn.kind, policy: functionPolicy(config, service, fn.kind) })));
const roleOf = (service: ServerName, kind: FunctionKind = 'api') => functionPolicy(config, service, kind);

/** Every (action, resource) pair a role allows, as `action resource` lines. */
const grants = (policy: PolicyDocument) =>
  policy.Statement.filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => statement.Action.flatMap((action) => statement.Resource.map((resource) => `${action} ${resource}`)))
    .sort();

const P = 'arn:aws:ssm:eu-west-1:222222222222:parameter/gmcp/production';
const T = 'arn:aws:dynamodb:eu-west-1:222222222222:table/gmcp-production';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:gmcp-production';
const CLUSTER = 'arn:aws:rds:eu-west-1:222222222222:cluster:gmcp-production-ops';
const LOGS = (fn: string) => [`logs:CreateLogStream arn:aws:logs:eu-west-1:222222222222:log-group:/aws/lambda/gmcp-production-${fn}:*`, `logs:PutLogEvents arn:aws:logs:eu-west-1:222222222222:log-group:/aws/lambda/gmcp-production-${fn}:*`];
const COMMON = (service: ServerName, keys: string[]) => [
  `dynamodb:PutItem ${T}-audit`,
  `dynamodb:GetItem ${T}-audit`,
  // Its own allowlist and call policies: read with the keys at a cold start (GetParameters), alone at each refresh.
  ...['governance', 'call-policies'].flatMap((name) => [`ssm:GetParameter ${P}/${service}/${name}`, `ssm:GetParameters ${P}/${service}/${name}`]),
  // Each server's own audit key, never another's.
  ...[`${service}/audit/hmac-key`, ...keys].map((key) => `ssm:GetParameters ${P}/${key}`),
];
const DATA_API_WRITE = ['ExecuteStatement', 'BeginTransaction', 'CommitTransaction', 'RollbackTransaction'].map((action) => `rds-data:${action} ${CLUSTER}`);

/**
 * The least-privilege matrix: exactly what each function's role may do, written out. A
 * change to iam.ts that adds, widens or moves a permission fails here until the matrix (and
 * its review) says so.
 */
const MATRIX: Record<string, string[]> = {
  'policy-reader/api': [
    ...LOGS('policy-reader-api'),
    ...COMMON('policy-reader', ['edge/origin-secret']),
    `dynamodb:UpdateItem ${T}-rate-limits`,
    's3:GetObject arn:aws:s3:::gmcp-production-policies-222222222222/policies/*',
    's3:ListBucket arn:aws:s3:::gmcp-production-policies-222222222222',
  ],
  'ops-reader/api': [
    ...LOGS('ops-reader-api'),
    ...COMMON('ops-reader', ['edge/origin-secret']),
    `dynamodb:UpdateItem ${T}-rate-limits`,
    `rds-data:ExecuteStatement ${CLUSTER}`,
    `secretsmanager:GetSecretValue ${SECRET}/ops-reader/database-??????`,
  ],
  'ops-writer/api': [
    ...LOGS('ops-writer-api'),
    ...COMMON('ops-writer', ['approvals/hmac-key', 'edge/origin-secret']),
    `dynamodb:UpdateItem ${T}-rate-limits`,
    ...DATA_API_WRITE,
    `secretsmanager:GetSecretValue ${SECRET}/ops-writer/database-??????`,
    `dynamodb:PutItem ${T}-approvals`,
    `dynamodb:GetItem ${T}-approvals`,
    `dynamodb:UpdateItem ${T}-approvals`,
    `dynamodb:Query ${T}-approvals/index/*`,
    `dynamodb:Query ${T}-audit/index/by_tool`,
    'states:StartExecution arn:aws:states:eu-west-1:222222222222:stateMachine:gmcp-production-approvals',
    'states:StartExecution arn:aws:states:eu-west-1:222222222222:execution:gmcp-production-approvals:*',
    'states:DescribeExecution arn:aws:states:eu-west-1:222222222222:stateMachine:gmcp-production-approvals',
    'states:DescribeExecution arn:aws:states:eu-west-1:222222222222:execution:gmcp-production-approvals:*',
    'states:SendTaskSuccess *',
    'states:SendTaskFailure *',
  ],
  'ops-writer/approval-notifier': [
    ...LOGS('ops-writer-approval-notifier'),
    ...COMMON('ops-writer', ['approvals/hmac-key', 'edge/origin-secret']),
    `dynamodb:GetItem ${T}-approvals`,
    `dynamodb:UpdateItem ${T}-approvals`,
    'states:SendTaskSuccess *',
    'states:SendTaskFailure *',
    'sns:Publish arn:aws:sns:eu-west-1:222222222222:gmcp-production-approvers',
  ],
  'ops-writer/approval-executor': [
    ...LOGS('ops-writer-approval-executor'),
    ...COMMON('ops-writer', ['approvals/hmac-key', 'edge/origin-secret']),
    `dynamodb:GetItem ${T}-approvals`,
    `dynamodb:UpdateItem ${T}-approvals`,
    `dynamodb:Query ${T}-audit/index/by_tool`,
    ...DATA_API_WRITE,
    `secretsmanager:GetSecretValue ${SECRET}/ops-writer/database-??????`,
  ],
  'ops-writer/approval-backlog': [...LOGS('ops-writer-approval-backlog'), `dynamodb:Query ${T}-approvals/index/*`],
  // A server that uses nothing beyond the kit (as the server generator creates it): the kit's grants only.
  ...Object.fromEntries(
    SERVER_NAMES.filter((service) => SERVERS[service].uses.length === 0).map((service) => [
      `${service}/api`,
      [...LOGS(`${service}-api`), ...COMMON(service, ['edge/origin-secret']), `dynamodb:UpdateItem ${T}-rate-limits`],
    ]),
  ),
};

describe('least privilege, per function role', () => {
  it.each(roles.map((role) => [`${role.service}/${role.kind}`, role.policy] as const))('%s allows exactly its matrix row', (key, policy) => {
    expect(grants(policy)).toEqual([...MATRIX[key]!].sort());
  });

  it('every function has a row, and every row a function', () => {
    expect(roles.map((role) => `${role.service}/${role.kind}`).sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('names every action (no wildcards) and scopes every resource, except the actions AWS cannot scope', () => {
    for (const { policy } of roles) {
      for (const statement of policy.Statement) {
        expect(statement.Action.every((action) => /^[a-z0-9-]+:[A-Za-z]+$/.test(action))).toBe(true);
        if (statement.Resource.includes('*')) expect(statement.Action.every((action) => (UNSCOPABLE_ACTIONS as readonly string[]).includes(action))).toBe(true);
      }
    }
  });

  it('keeps every resource inside the stage (names carry the stage, ARNs the stage account and region)', () => {
    for (const { policy } of roles) {
      for (const resource of policy.Statement.flatMap((statement) => statement.Resource).filter((resource) => resource !== '*')) {
        expect(resource).toMatch(/gmcp-production|\/gmcp\/production\//);
        if (!resource.startsWith('arn:aws:s3:::')) expect(resource).toContain(':eu-west-1:222222222222:');
      }
    }
  });

  it('lets the readers change nothing: their only writes are audit appends and rate-limit counters', () => {
    for (const service of SERVER_NAMES.filter((name) => SERVERS[name].access === 'read')) {
      const policy = roleOf(service);
      expect(isAllowed(policy, 's3:PutObject', `${arn.bucket}/policies/x.md`)).toBe(false);
      expect(isAllowed(policy, 's3:DeleteObject', `${arn.bucket}/policies/x.md`)).toBe(false);
      expect(isAllowed(policy, 'rds-data:BeginTransaction', arn.cluster)).toBe(false);
      expect(isAllowed(policy, 'secretsmanager:GetSecretValue', arn.secret(names.databaseSecret('ops-writer')).replace('??????', 'AbC123'))).toBe(false);
      expect(isAllowed(policy, 'ssm:PutParameter', arn.parameter(names.governanceParameter(service)))).toBe(false);
      expect(isAllowed(policy, 'sns:Publish', arn.topic(names.approverTopic))).toBe(false);
      const writes = grants(policy).filter((grant) => !grant.startsWith('logs:') && /:(Put|Update|Delete|Create|BatchWrite|Send|Start|Publish)/.test(grant));
      expect(writes).toEqual([`dynamodb:PutItem ${T}-audit`, `dynamodb:UpdateItem ${T}-rate-limits`]);
    }
  });

  it('gives the ops reader only its own read-only login, never the writer’s (no shared database credentials)', () => {
    const reader = roleOf('ops-reader');
    const own = arn.secret(names.databaseSecret('ops-reader')).replace('??????', 'X1y2Z3');
    expect(isAllowed(reader, 'secretsmanager:GetSecretValue', own)).toBe(true);
    for (const kind of ['api', 'approval-executor'] as const) {
      expect(isAllowed(roleOf('ops-writer', kind), 'secretsmanager:GetSecretValue', own)).toBe(false);
    }
  });

  it('holds each server to its own audit partitions: it cannot write or read back another server’s records', () => {
    const every = roles.filter((role) => role.kind !== 'approval-backlog');
    for (const role of every) {
      for (const other of SERVER_NAMES) {
        for (const action of ['dynamodb:PutItem', 'dynamodb:GetItem']) {
          expect(isAllowed(role.policy, action, arn.table(names.auditTable), { 'dynamodb:LeadingKeys': `${other}#2026-12-03` })).toBe(role.service === other);
        }
      }
    }
  });

  it('holds each server to its own rate-limit counters (dynamodb:LeadingKeys on its name)', () => {
    const apis = roles.filter((role) => role.kind === 'api');
    for (const role of apis) {
      for (const other of apis) {
        const counts = isAllowed(role.policy, 'dynamodb:UpdateItem', arn.table(names.rateLimitTable), { 'dynamodb:LeadingKeys': `${other.service}#server#1700000000000` });
        expect(counts).toBe(role.service === other.service);
      }
      // A request that names no partition key at all is not taken either (the Null test beside ForAllValues).
      expect(isAllowed(role.policy, 'dynamodb:UpdateItem', arn.table(names.rateLimitTable))).toBe(false);
    }
  });

  it('lets only the writer start approvals', () => {
    for (const role of roles) {
      const starts = isAllowed(role.policy, 'states:StartExecution', arn.stateMachine);
      expect(starts).toBe(role.service === 'ops-writer' && role.kind === 'api');
    }
  });

  it('denies every change to audit records in every role, whatever else it allows', () => {
    const every = [...roles.map((role) => role.policy), stateMachinePolicy(config), migrationPolicy(config, { adminSecretArn: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:x-AbCdEf' })];
    for (const policy of every) {
      for (const action of AUDIT_MUTATIONS) {
        expect(isAllowed({ ...policy, Statement: [...policy.Statement, { Sid: 'Broad', Effect: 'Allow', Action: [action], Resource: ['*'] }] }, action, arn.table(names.auditTable))).toBe(false);
      }
    }
  });

  it('fits IAM’s inline policy size limit (10,240 characters without whitespace)', () => {
    for (const { policy } of roles) expect(JSON.stringify(policy).length).toBeLessThan(10_240);
  });

  it('lets the state machine invoke only its two tasks and mark expiries', () => {
    expect(grants(stateMachinePolicy(config))).toEqual(
      [
        'dynamodb:UpdateItem arn:aws:dynamodb:eu-west-1:222222222222:table/gmcp-production-approvals',
        ...['approval-notifier', 'approval-executor'].flatMap((kind) => {
          const fn = `arn:aws:lambda:eu-west-1:222222222222:function:gmcp-production-ops-writer-${kind}`;
          return [`lambda:InvokeFunction ${fn}`, `lambda:InvokeFunction ${fn}:*`];
        }),
      ].sort(),
    );
  });

  it('lets the migration step read the owner secret and the two login secrets, and nothing of the MCP servers', () => {
    const policy = migrationPolicy(config, { adminSecretArn: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:OpsDatabaseProxySecret-AbCdEf' });
    expect(isAllowed(policy, 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:OpsDatabaseProxySecret-AbCdEf')).toBe(true);
    expect(isAllowed(policy, 'dynamodb:PutItem', arn.table(names.auditTable))).toBe(false);
    expect(isAllowed(policy, 'ssm:GetParameter', arn.parameter(names.governanceParameter('ops-writer')))).toBe(false);
  });

  it('lets the audit digest read records, add digests, publish the public key and sign with its key, and change nothing', () => {
    const digestKeyArn = 'arn:aws:kms:eu-west-1:222222222222:key/6f1d5a2e-0000-4000-8000-000000000001';
    const policy = auditDigestPolicy(config, { digestKeyArn });
    const bucket = 'arn:aws:s3:::gmcp-production-audit-digests-222222222222';
    expect(grants(policy)).toEqual(
      [
        ...LOGS('audit-digest'),
        `dynamodb:Query ${T}-audit/index/*`,
        `s3:ListBucket ${bucket}`,
        `s3:GetObject ${bucket}/digests/*`,
        `s3:PutObject ${bucket}/digests/*`,
        `s3:PutObject ${bucket}/public-key.pem`,
        `kms:Sign ${digestKeyArn}`,
        `kms:GetPublicKey ${digestKeyArn}`,
      ].sort(),
    );
    expect(isAllowed(policy, 's3:ListBucket', bucket, { 's3:prefix': 'digests/2026' })).toBe(true);
    expect(isAllowed(policy, 's3:ListBucket', bucket, { 's3:prefix': 'other/' })).toBe(false);
    expect(isAllowed(policy, 's3:DeleteObject', `${bucket}/digests/x.json`)).toBe(false);
    expect(isAllowed(policy, 'dynamodb:PutItem', arn.table(names.auditTable))).toBe(false);
    for (const action of AUDIT_MUTATIONS) expect(isAllowed(policy, action, arn.table(names.auditTable))).toBe(false);
  });
});

describe('IAM pattern matching', () => {
  it('matches IAM wildcards as IAM does', () => {
    const policy: PolicyDocument = { Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/p/*', 'arn:aws:secretsmanager:r:1:secret:s-??????'] }] };
    expect(isAllowed(policy, 's3:GetObject', 'arn:aws:s3:::b/p/x/y.md')).toBe(true);
    expect(isAllowed(policy, 's3:GetObject', 'arn:aws:s3:::b/q/x.md')).toBe(false);
    expect(isAllowed(policy, 's3:GetObject', 'arn:aws:secretsmanager:r:1:secret:s-AbC123')).toBe(true);
    expect(isAllowed(policy, 's3:GetObject', 'arn:aws:secretsmanager:r:1:secret:s-AbC1234')).toBe(false);
    expect(isAllowed(policy, 's3:PutObject', 'arn:aws:s3:::b/p/x')).toBe(false);
  });

  it('evaluates StringLike conditions against the request, and treats a missing key as failing', () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'L', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [arn.bucket], Condition: { StringLike: { 's3:prefix': ['policies/*'] } } }],
    };
    expect(isAllowed(policy, 's3:ListBucket', arn.bucket, { 's3:prefix': 'policies/' })).toBe(true);
    expect(isAllowed(policy, 's3:ListBucket', arn.bucket, { 's3:prefix': 'secrets/' })).toBe(false);
    expect(isAllowed(policy, 's3:ListBucket', arn.bucket)).toBe(false);
  });

  it('lets the policy reader read a missing object as 404: listing its bucket is not held to a prefix the read does not carry', () => {
    const policy = roleOf('policy-reader');
    // What the IAM call recorder writes down for a GetObject that S3 answers 404 (see iam-call-recorder.ts).
    expect(isAllowed(policy, 's3:ListBucket', arn.bucket, {})).toBe(true);
    expect(isAllowed(policy, 's3:GetObject', `${arn.bucket}/policies/_index/policy-index.json`)).toBe(true);
    expect(isAllowed(policy, 's3:GetObject', `${arn.bucket}/elsewhere/x.json`)).toBe(false);
  });

  it('evaluates ForAllValues as IAM does: it holds when the key is absent, which only the Null test stops', () => {
    const statement = (Condition: Record<string, Record<string, string | string[]>>) =>
      ({ Version: '2012-10-17' as const, Statement: [{ Sid: 'T', Effect: 'Allow' as const, Action: ['dynamodb:PutItem'], Resource: ['*'], Condition }] });
    const forAll = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['a#*'] } };
    expect(isAllowed(statement(forAll), 'dynamodb:PutItem', 'x')).toBe(true);
    expect(isAllowed(statement({ ...forAll, Null: { 'dynamodb:LeadingKeys': 'false' } }), 'dynamodb:PutItem', 'x')).toBe(false);
    expect(isAllowed(statement({ ...forAll, Null: { 'dynamodb:LeadingKeys': 'false' } }), 'dynamodb:PutItem', 'x', { 'dynamodb:LeadingKeys': 'a#1' })).toBe(true);
    expect(isAllowed(statement({ ...forAll, Null: { 'dynamodb:LeadingKeys': 'false' } }), 'dynamodb:PutItem', 'x', { 'dynamodb:LeadingKeys': 'b#1' })).toBe(false);
  });
});

describe('the approvals console’s role', () => {
  const digestKeyArn = 'arn:aws:kms:eu-west-1:222222222222:key/6f1d5a2e-0000-4000-8000-000000000002';
  const policy = consolePolicy(config, { digestKeyArn });
  const bucket = 'arn:aws:s3:::gmcp-production-audit-digests-222222222222';

  it('reaches its sessions, its client secret and, read only, the audit trail, every server’s key history and the digests', () => {
    expect(grants(policy)).toEqual(
      [
        ...LOGS('console'),
        ...['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'].map((action) => `dynamodb:${action} ${T}-console-sessions`),
        `ssm:GetParameter ${P}/console/client-secret`,
        `dynamodb:Query ${T}-audit`,
        ...['by_day', 'by_actor', 'by_tool'].map((index) => `dynamodb:Query ${T}-audit/index/${index}`),
        ...SERVER_NAMES.map((server) => `ssm:GetParameterHistory ${P}/${server}/audit/hmac-key`),
        `s3:ListBucket ${bucket}`,
        `s3:GetObject ${bucket}/digests/*`,
        `kms:GetPublicKey ${digestKeyArn}`,
      ].sort(),
    );
  });

  it('takes no decision itself and reaches no approval, database or rate limit: it decides through the writer’s API with the user’s token', () => {
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']) expect(isAllowed(policy, action, arn.table(names.approvalsTable))).toBe(false);
    expect(isAllowed(policy, 'ssm:GetParameters', arn.parameter(names.approvalKeyParameter))).toBe(false);
    expect(isAllowed(policy, 'ssm:GetParameter', arn.parameter(names.auditKeyParameter('ops-writer')))).toBe(false);
    expect(isAllowed(policy, 'rds-data:ExecuteStatement', arn.cluster)).toBe(false);
    expect(isAllowed(policy, 'states:SendTaskSuccess', '*')).toBe(false);
    expect(isAllowed(policy, 'kms:Sign', digestKeyArn)).toBe(false);
    expect(isAllowed(policy, 's3:PutObject', `${bucket}/digests/x.json`)).toBe(false);
    for (const action of AUDIT_MUTATIONS) expect(isAllowed(policy, action, arn.table(names.auditTable))).toBe(false);
    expect(isAllowed(policy, 'dynamodb:PutItem', arn.table(names.auditTable))).toBe(false);
  });
});
