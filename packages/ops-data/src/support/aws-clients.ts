import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Where a client sends its requests: the region, or a local peer's URL (tests, the loopback stage). */
export interface AwsEndpoint {
  region: string;
  endpoint?: string;
}

/** A local peer takes any credentials; on AWS the execution role's come from the environment. */
const LOCAL_PEER_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function clientConfig({ region, endpoint }: AwsEndpoint, requestTimeoutMs: number) {
  const requestHandler = { connectionTimeout: 1000, requestTimeout: requestTimeoutMs };
  return endpoint ? { region, endpoint, credentials: LOCAL_PEER_CREDENTIALS, requestHandler } : { region, requestHandler };
}

/** maxAttempts 1: the SDK's retries would re-send a statement that may have run (see data-api-executor.ts). */
export function createRdsDataClient(target: AwsEndpoint, statementTimeoutMs: number): RDSDataClient {
  return new RDSDataClient({ ...clientConfig(target, statementTimeoutMs), maxAttempts: 1 });
}

export function createSecretsManagerClient(target: AwsEndpoint): SecretsManagerClient {
  return new SecretsManagerClient(clientConfig(target, 3000));
}
