export { startPlatform, serverEnv, type Platform, type LocalServerSettings } from './start';
export { prepareLocalTables, startPlatformDynamoDb, connectLocalDynamoDb, localGovernanceEnv } from './local-aws';
export { loadOrCreateKey } from './local-secrets';
export * from './local-contract';
export { startAwsStage, type AwsStage, type AwsStageOptions, type DeployedConsole, type DeployedService } from './aws-stage/start-aws-stage';
export { FACADE_CLIENT_ID, type StageIdentityStyle } from './aws-stage/stage-identity';
export { buildVerifier, VERIFIER_BUNDLE } from './build-verifier';
export { listInDigestIndex, localDigestSigner, localDigestStore } from './local-digests';
export { callPolicyPaths, compileServerPolicies, explain, runPolicyTests, schemaOf, schemaText, servedToolSet, type PolicyTestCase, type PolicyTestResult, type Explanation } from './call-policy-files';
