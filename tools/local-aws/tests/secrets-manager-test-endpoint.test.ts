import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startSecretsManagerTestEndpoint, type SecretsManagerTestEndpoint } from '../src';

const READER = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-reader-AbCdEf';
const MISSING = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/nothing-ZzZzZz';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('Secrets Manager test endpoint', () => {
  let endpoint: SecretsManagerTestEndpoint;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    endpoint = await startSecretsManagerTestEndpoint({ secrets: { [READER]: '{"username":"ops_reader","password":"one"}' } });
    client = new SecretsManagerClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
  });

  it('answers GetSecretValue by ARN and by name with the current version', async () => {
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: READER }));
    expect(byArn).toMatchObject({ ARN: READER, Name: 'gmcp/ops-reader', SecretString: '{"username":"ops_reader","password":"one"}', VersionStages: ['AWSCURRENT'] });
    expect(byArn.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(byArn.CreatedDate).toBeInstanceOf(Date);
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'gmcp/ops-reader', VersionStage: 'AWSCURRENT' }));
    expect(byName.VersionId).toBe(byArn.VersionId);
  });

  it('serves a new version after put', async () => {
    const before = await client.send(new GetSecretValueCommand({ SecretId: READER }));
    endpoint.put(READER, 'two');
    const after = await client.send(new GetSecretValueCommand({ SecretId: READER }));
    expect(after.SecretString).toBe('two');
    expect(after.VersionId).not.toBe(before.VersionId);
    await expect(client.send(new GetSecretValueCommand({ SecretId: READER, VersionId: before.VersionId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    const error: unknown = await client.send(new GetSecretValueCommand({ SecretId: MISSING })).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toMatchObject({ message: "Secrets Manager can't find the specified secret.", $metadata: { httpStatusCode: 400 } });
  });

  it('refuses operations it does not serve', async () => {
    const response = await fetch(endpoint.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.DeleteSecret' },
      body: JSON.stringify({ SecretId: READER }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
