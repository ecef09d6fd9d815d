export { startLocalDynamoDb, type LocalDynamoDb } from './local-dynamodb';
export { startSsmTestEndpoint, type SsmTestEndpoint } from './ssm-test-endpoint';
