import { ConfigError } from '@gmcp/mcp-kit';
import { opsReaderServer } from '../src/server';

const parseOpsReaderEnv = opsReaderServer.parseEnv;

const base = { PORT: '4102', AUTH_ISSUER: 'http://127.0.0.1:4100', AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') };
const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:gmcp-ops';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gmcp/ops-reader-AbCdEf';

describe('ops reader configuration', () => {
  it('takes its port from the registry only (npm start and the tests set it), and defaults to the embedded database, seeded', () => {
    expect(() => parseOpsReaderEnv({ ...base, PORT: undefined })).toThrow(new ConfigError('Invalid configuration: PORT is required', ['PORT']));
    expect(parseOpsReaderEnv(base)).toMatchObject({ PORT: 4102, OPS_DATABASE: 'embedded', OPS_SEED: true, DATA_API_DATABASE: 'ops' });
    expect(parseOpsReaderEnv({ ...base, OPS_SEED: 'false' }).OPS_SEED).toBe(false);
  });

  it('requires the cluster and the reader secret for the Data API, naming what is missing', () => {
    expect(() => parseOpsReaderEnv({ ...base, OPS_DATABASE: 'data-api' })).toThrow(
      new ConfigError('Invalid configuration: DATA_API_RESOURCE_ARN is required when OPS_DATABASE=data-api; DATA_API_SECRET_ARN is required when OPS_DATABASE=data-api', []),
    );
    expect(parseOpsReaderEnv({ ...base, OPS_DATABASE: 'data-api', DATA_API_RESOURCE_ARN: CLUSTER, DATA_API_SECRET_ARN: SECRET })).toMatchObject({
      DATA_API_RESOURCE_ARN: CLUSTER,
      DATA_API_SECRET_ARN: SECRET,
    });
  });

  it('refuses values that are not ARNs of the right service', () => {
    expect(() => parseOpsReaderEnv({ ...base, OPS_DATABASE: 'data-api', DATA_API_RESOURCE_ARN: SECRET, DATA_API_SECRET_ARN: SECRET })).toThrow(/DATA_API_RESOURCE_ARN must be an Aurora cluster ARN/);
    expect(() => parseOpsReaderEnv({ ...base, DATA_API_DATABASE: 'ops; drop' })).toThrow(ConfigError);
  });
});
