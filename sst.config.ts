/// <reference path="./.sst/platform/config.d.ts" />
/**
 * SST entry point, thin on purpose: every decision (names, IAM statements, routes,
 * environment, tables, alarms, edge rules) is made by `infra/src/deployment.ts`, plain
 * TypeScript with unit tests; this file only turns the plan into SST and Pulumi
 * components. Deploy with `npm run deploy -- --stage <stage> [--service <name>]`
 * (docs/deploy.md), which builds the Lambda bundles; this file ships them as they are, and
 * refuses ones that are missing or older than their sources.
 */
export default $config({
  async app(input) {
    // SST evaluates a bundled copy of this file from .sst/: paths are given from the project root.
    const { loadStageConfig } = await import('./infra/src/stage-config');
    const config = loadStageConfig(input?.stage ?? '', `${process.cwd()}/infra/stages`);
    return {
      name: 'governed-mcp',
      home: 'aws',
      removal: config.retain ? 'retain' : 'remove',
      protect: config.retain,
      providers: { aws: { version: '7.20.0', region: config.region as aws.Region }, random: '4.18.3' },
    };
  },

  async run() {
    const { deploymentPlan } = await import('./infra/src/deployment');
    const { assertBundlesCurrent } = await import('./infra/src/bundle-manifest');
    const plan = deploymentPlan($app.stage, process.cwd());
    assertBundlesCurrent(process.cwd());
    const { config, names } = plan;

    const caller = await aws.getCallerIdentity({});
    if (caller.accountId !== config.account) {
      throw new Error(`Stage ${config.stage} belongs to account ${config.account}, but these credentials are for ${caller.accountId}`);
    }

    // Data stores.
    const tables = Object.fromEntries(
      Object.entries(plan.tables).map(([key, spec]) => {
        const table = new sst.aws.Dynamo(`${key[0]!.toUpperCase()}${key.slice(1)}Table`, {
          fields: spec.fields,
          primaryIndex: spec.primaryIndex,
          globalIndexes: spec.globalIndexes,
          ttl: spec.ttl,
          deletionProtection: spec.deletionProtection,
          transform: {
            table: (args) => {
              args.name = spec.name;
              args.serverSideEncryption = { enabled: spec.kmsEncryption };
              args.pointInTimeRecovery = { enabled: spec.pointInTimeRecovery };
            },
          },
        });
        return [key, table];
      }),
    );

    const policyBucket = new sst.aws.Bucket('PolicyBucket', {
      versioning: true,
      cors: false,
      transform: {
        bucket: (args) => {
          args.bucket = names.policyBucket;
          args.forceDestroy = !plan.retained;
        },
      },
    });
    new aws.s3.BucketServerSideEncryptionConfiguration('PolicyBucketEncryption', {
      bucket: policyBucket.name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' }, bucketKeyEnabled: true }],
    });

    const vpc = new sst.aws.Vpc('Vpc');
    const database = new sst.aws.Aurora('OpsDatabase', {
      engine: 'postgres',
      version: '16.4',
      dataApi: true,
      database: names.database,
      scaling: { min: `${config.database.minCapacity} ACU`, max: `${config.database.maxCapacity} ACU` },
      vpc,
      transform: {
        cluster: (args) => {
          args.clusterIdentifier = names.cluster;
          args.deletionProtection = plan.retained;
          args.backupRetentionPeriod = plan.retained ? 14 : 1;
          args.skipFinalSnapshot = !plan.retained;
          if (plan.retained) args.finalSnapshotIdentifier = `${names.cluster}-final`;
        },
      },
    });
    const loginSecrets = Object.fromEntries(
      plan.databaseLogins.map((login) => {
        const id = login.component;
        const password = new random.RandomPassword(`${id}Password`, { length: 40, special: false });
        const secret = new aws.secretsmanager.Secret(`${id}Secret`, { name: login.secretName, recoveryWindowInDays: plan.retained ? 30 : 0 });
        const version = new aws.secretsmanager.SecretVersion(`${id}SecretValue`, {
          secretId: secret.id,
          secretString: $jsonStringify({ username: login.username, password: password.result }),
        });
        return [login.service, { secret, version }];
      }),
    );

    // The migration step: runs as the schema owner whenever the migrations change.
    const steps = plan.migration.components;
    const migrationRole = lambdaRole(steps.role, names.migrationFunction, database.secretArn.apply((adminSecretArn) => plan.migration.policy({ adminSecretArn })), steps.rolePolicy);
    const migrate = new sst.aws.Function(steps.function, {
      bundle: plan.migration.bundle,
      handler: plan.migration.handler,
      runtime: 'nodejs22.x',
      architecture: 'arm64',
      memory: '256 MB',
      timeout: '5 minutes',
      role: migrationRole.role.arn,
      logging: { retention: plan.logRetention, format: 'json' },
      environment: $resolve([database.secretArn, loginSecrets[plan.migration.logins.reader]!.secret.arn, loginSecrets[plan.migration.logins.writer]!.secret.arn]).apply(
        ([adminSecretArn, readerSecretArn, writerSecretArn]) => plan.migration.environment({ adminSecretArn, readerSecretArn, writerSecretArn }),
      ),
      // `name` (not a transform) also names the log group /aws/lambda/<name>, which the role's log grant expects.
      name: names.migrationFunction,
    });
    // Runs again when the migrations change, and when a login's password does (a replaced secret value).
    const { reader, writer } = plan.migration.logins;
    new aws.lambda.Invocation(
      steps.run,
      {
        functionName: migrate.name,
        input: JSON.stringify({ checksum: plan.migration.checksum }),
        triggers: { checksum: plan.migration.checksum, reader: loginSecrets[reader]!.version.versionId, writer: loginSecrets[writer]!.version.versionId },
      },
      { dependsOn: [database, migrationRole.policy, ...Object.values(loginSecrets).map((login) => login.version)] },
    );

    // Approvals and alarms.
    const approverTopic = new aws.sns.Topic('ApproverTopic', { name: names.approverTopic });
    config.approvals.approverEmails.forEach((email, index) => new aws.sns.TopicSubscription(`ApproverEmail${index}`, { topic: approverTopic.arn, protocol: 'email', endpoint: email }));
    const alarmTopic = new aws.sns.Topic('AlarmTopic', { name: names.alarmTopic });
    config.alarms.emails.forEach((email, index) => new aws.sns.TopicSubscription(`AlarmEmail${index}`, { topic: alarmTopic.arn, protocol: 'email', endpoint: email }));

    // CloudFront must send the edge secret, so its current value (the first of the parameter's
    // values) is in the distribution's configuration and the deployment state.
    const edgeSecret = plan.edge ? aws.ssm.getParameterOutput({ name: plan.edge.secretParameter, withDecryption: true }).value.apply((value) => plan.edge!.sentSecret(value)) : undefined;
    const webAcl = plan.edge ? edgeWebAcl(plan.edge.rules) : undefined;

    // One API, role per function and log group per service.
    const urls: Record<string, $util.Output<string>> = {};
    const functionsByName: Record<string, sst.aws.Function> = {};
    for (const service of plan.services) {
      const { components } = service;
      new aws.ssm.Parameter(components.governance, { name: service.governance.parameter, type: 'String', value: service.governance.value });
      const api = new sst.aws.ApiGatewayV2(components.api, {
        cors: false,
        accessLog: { retention: plan.logRetention },
        transform: {
          api: (args) => void (args.name = service.apiName),
          stage: (args) => void (args.defaultRouteSettings = { throttlingRateLimit: service.throttle.ratePerSecond, throttlingBurstLimit: service.throttle.burst }),
        },
      });
      // Only the approval API is behind the gateway's authorizer; MCP requests are authenticated by the function (infra/src/services.ts).
      const authorizer = service.routes.some((route) => route.auth) ? api.addAuthorizer({ name: 'jwt', jwt: { issuer: config.auth.issuer, audiences: [...service.authorizerAudiences] } }) : undefined;
      const publicUrl = webAcl && edgeSecret ? edgeDistribution(components.edge, api.url, webAcl.arn, edgeSecret) : api.url;
      urls[service.service] = publicUrl;
      const databaseSecretArn = loginSecrets[service.service]?.secret.arn;

      for (const fn of service.functions) {
        const { role } = lambdaRole(components.role(fn.kind), fn.name, fn.policy, components.rolePolicy(fn.kind));
        functionsByName[fn.name] = new sst.aws.Function(components.function(fn.kind), {
          description: fn.description,
          bundle: fn.bundle,
          handler: fn.handler,
          runtime: 'nodejs22.x',
          architecture: 'arm64',
          memory: `${fn.memoryMb} MB`,
          timeout: `${fn.timeoutSeconds} seconds`,
          role: role.arn,
          concurrency: { reserved: fn.reservedConcurrency },
          logging: { retention: plan.logRetention, format: 'json' },
          environment: $resolve([publicUrl, api.url, databaseSecretArn ?? '']).apply(([url, apiUrl, secretArn]) =>
            fn.environment({ publicUrl: url, apiHost: new URL(apiUrl).hostname, databaseSecretArn: secretArn || undefined }),
          ),
          name: fn.name,
        });
      }
      const handler = functionsByName[service.functions[0]!.name]!;
      for (const route of service.routes) {
        api.route(route.route, handler.arn, route.auth && authorizer ? { auth: { jwt: { authorizer: authorizer.id, scopes: [...route.auth.scopes] } } } : undefined);
      }
      new aws.cloudwatch.LogMetricFilter(components.throttleFilter, {
        logGroupName: api.nodes.logGroup.name,
        pattern: service.throttleFilter.pattern,
        metricTransformation: { name: service.throttleFilter.metricName, namespace: service.throttleFilter.namespace, value: '1', defaultValue: '0' },
      });
      for (const alarm of service.alarms(api.nodes.api.id)) metricAlarm(components.alarm(alarm.key), alarm);
    }

    // The scheduled audit digest: a signed, chained digest of the audit table per run, kept
    // apart from the records (its own bucket), signed by a KMS key whose public key it publishes.
    const digests = plan.auditDigests;
    const digestBucket = new sst.aws.Bucket(digests.components.bucket, {
      versioning: true,
      cors: false,
      transform: {
        bucket: (args) => {
          args.bucket = digests.bucket;
          args.forceDestroy = !plan.retained;
        },
      },
    });
    new aws.s3.BucketServerSideEncryptionConfiguration(`${digests.components.bucket}Encryption`, {
      bucket: digestBucket.name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' }, bucketKeyEnabled: true }],
    });
    const digestKey = new aws.kms.Key(digests.components.key, {
      description: `${names.prefix}: signs audit digests`,
      customerMasterKeySpec: digests.keySpec,
      keyUsage: 'SIGN_VERIFY',
      deletionWindowInDays: 30,
    });
    new aws.kms.Alias(digests.components.keyAlias, { name: digests.keyAlias, targetKeyId: digestKey.keyId });
    const digestRole = lambdaRole(digests.components.role, digests.name, digestKey.arn.apply((digestKeyArn) => digests.policy({ digestKeyArn })), digests.components.rolePolicy);
    const digestFunction = new sst.aws.Function(digests.components.function, {
      description: 'Signs a chained digest of the audit records written since the last one',
      bundle: digests.bundle,
      handler: digests.handler,
      runtime: 'nodejs22.x',
      architecture: 'arm64',
      memory: '1024 MB',
      timeout: '5 minutes',
      role: digestRole.role.arn,
      logging: { retention: plan.logRetention, format: 'json' },
      environment: digestKey.arn.apply((digestKeyArn) => digests.environment({ digestKeyArn })),
      name: digests.name,
    }, { dependsOn: [digestBucket, digestRole.policy] });
    const digestSchedule = new aws.cloudwatch.EventRule(digests.components.schedule, { scheduleExpression: digests.schedule });
    new aws.cloudwatch.EventTarget(digests.components.target, { rule: digestSchedule.name, arn: digestFunction.arn });
    new aws.lambda.Permission(digests.components.invoke, { action: 'lambda:InvokeFunction', function: digestFunction.name, principal: 'events.amazonaws.com', sourceArn: digestSchedule.arn });
    metricAlarm(digests.components.alarm, digests.alarm);

    // The approval workflow and the backlog report.
    const machine = plan.stateMachine;
    const { components } = machine;
    const machineRole = new aws.iam.Role(components.workflowRole, {
      name: machine.roleName,
      assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'states.amazonaws.com' }),
    });
    new aws.iam.RolePolicy(components.workflowPolicy, { role: machineRole.id, policy: JSON.stringify(machine.policy) });
    new aws.sfn.StateMachine(
      components.workflow,
      { name: machine.name, type: machine.type, roleArn: machineRole.arn, definition: JSON.stringify(machine.definition) },
      { dependsOn: Object.values(functionsByName) },
    );
    const backlog = functionsByName[machine.backlogFunction]!;
    const schedule = new aws.cloudwatch.EventRule(components.backlogSchedule, { scheduleExpression: plan.backlogSchedule });
    new aws.cloudwatch.EventTarget(components.backlogTarget, { rule: schedule.name, arn: backlog.arn });
    new aws.lambda.Permission(components.backlogInvoke, { action: 'lambda:InvokeFunction', function: backlog.name, principal: 'events.amazonaws.com', sourceArn: schedule.arn });

    return { ...urls, policyBucket: policyBucket.name, approvalStateMachine: machine.arn, auditTable: tables.audit!.name, auditDigests: digestBucket.name, auditDigestPublicKey: $interpolate`s3://${digestBucket.name}/public-key.pem` };

    /** A CloudWatch alarm of the plan, notifying the stage's alarm topic. */
    function metricAlarm(id: string, alarm: { name: string; description: string; namespace: string; metricName: string; dimensions: Record<string, $util.Input<string>>; statistic: string; periodSeconds: number; evaluationPeriods: number; threshold: number; comparisonOperator: string; treatMissingData: string }) {
      return new aws.cloudwatch.MetricAlarm(id, {
        name: alarm.name,
        alarmDescription: alarm.description,
        namespace: alarm.namespace,
        metricName: alarm.metricName,
        dimensions: alarm.dimensions,
        statistic: alarm.statistic,
        period: alarm.periodSeconds,
        evaluationPeriods: alarm.evaluationPeriods,
        threshold: alarm.threshold,
        comparisonOperator: alarm.comparisonOperator,
        treatMissingData: alarm.treatMissingData,
        alarmActions: [alarmTopic.arn],
        okActions: [alarmTopic.arn],
      });
    }

    /** A role only Lambda can assume, with exactly the plan's policy for one function. */
    function lambdaRole(id: string, name: string, policy: $util.Input<object>, policyId: string) {
      const role = new aws.iam.Role(id, { name, assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'lambda.amazonaws.com' }) });
      return { role, policy: new aws.iam.RolePolicy(policyId, { role: role.id, policy: $jsonStringify(policy) }) };
    }

    /** WAF cannot attach to an HTTP API: the web ACL protects a CloudFront distribution in front of each API (us-east-1 scope). */
    function edgeWebAcl(rules: NonNullable<typeof plan.edge>['rules']) {
      const global = new aws.Provider('UsEast1', { region: 'us-east-1' });
      const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
      return new aws.wafv2.WebAcl(
        'EdgeWebAcl',
        {
          name: `${names.prefix}-edge`,
          scope: 'CLOUDFRONT',
          defaultAction: { allow: {} },
          visibilityConfig: visibility(`${names.prefix}-edge`),
          rules: rules.map((rule) => ({
            name: rule.name,
            priority: rule.priority,
            visibilityConfig: visibility(rule.name),
            ...('managedRuleGroup' in rule.kind
              ? {
                  overrideAction: { none: {} },
                  statement: {
                    managedRuleGroupStatement: {
                      vendorName: 'AWS',
                      name: rule.kind.managedRuleGroup,
                      ruleActionOverrides: rule.kind.countOnly.map((name) => ({ name, actionToUse: { count: {} } })),
                    },
                  },
                }
              : { action: { block: {} }, statement: { rateBasedStatement: { limit: rule.kind.rateLimitPer5Minutes, aggregateKeyType: 'IP' } } }),
          })),
        },
        { provider: global },
      );
    }

    /** CloudFront in front of an API: nothing cached, the caller's headers passed on, the edge secret added for the kit to check. */
    function edgeDistribution(id: string, apiUrl: $util.Output<string>, webAclArn: $util.Output<string>, secret: $util.Output<string>) {
      const distribution = new aws.cloudfront.Distribution(id, {
        enabled: true,
        webAclId: webAclArn,
        origins: [
          {
            originId: 'api',
            domainName: apiUrl.apply((url) => new URL(url).host),
            customOriginConfig: { originProtocolPolicy: 'https-only', httpPort: 80, httpsPort: 443, originSslProtocols: ['TLSv1.2'] },
            customHeaders: [{ name: 'x-gmcp-edge-secret', value: secret }],
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: 'api',
          viewerProtocolPolicy: 'https-only',
          allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
          cachedMethods: ['GET', 'HEAD'],
          cachePolicyId: plan.edge!.cloudfront.cachingDisabled,
          originRequestPolicyId: plan.edge!.cloudfront.allViewerExceptHostHeader,
        },
        restrictions: { geoRestriction: { restrictionType: 'none' } },
        viewerCertificate: { cloudfrontDefaultCertificate: true },
      });
      return $interpolate`https://${distribution.domainName}`;
    }
  },
});
