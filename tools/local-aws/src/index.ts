export { startLocalDynamoDb, type LocalDynamoDb } from './local-dynamodb';
export { startLocalS3, type LocalS3 } from './local-s3';
export { startSsmTestEndpoint, type SsmTestEndpoint } from './ssm-test-endpoint';
export { startDataApiTestEndpoint, type DataApiTestEndpoint, type DataApiTestEndpointOptions } from './data-api-test-endpoint';
export { startSfnTestEndpoint, scaledClock, type SfnTestEndpoint, type SfnTestEndpointOptions, type WaitingTask, type ExecutionSummary, type SfnClock, type LambdaHandler, type DynamoDbHandler } from './sfn-test-endpoint';
export { startSnsTestEndpoint, type SnsTestEndpoint, type SnsTestEndpointOptions, type PublishedSnsMessage } from './sns-test-endpoint';
