export { startLocalDynamoDb, type LocalDynamoDb } from './local-dynamodb';
export { startLocalS3, type LocalS3 } from './local-s3';
export { startSsmTestEndpoint, type SsmTestEndpoint } from './ssm-test-endpoint';
export { startDataApiTestEndpoint, type DataApiTestEndpoint, type DataApiTestEndpointOptions } from './data-api-test-endpoint';
