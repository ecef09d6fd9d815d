import { ConfigError } from '@gmcp/mcp-kit';
import { parseOpsReaderEnv } from '../src/config';

const base = { AUTH_ISSUER: 'http://127.0.0.1:4100', AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') };
const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:gmcp-ops';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gmcp/ops-reader-AbCdEf';

describe('ops reader configuration', () => {
  it('defaults to the embedded database on port 4102, seeded', () => {
    expect(parseOpsReaderEnv(base)).toMatchObject({ PORT: 4102, OPS_DATABASE: 'embedded', OPS_SEED: true, DATA_API_DATABASE: 'ops' });
    expect(parseOpsReaderEnv({ ...base, OPS_SEED: 'false' }).OPS_SEED).toBe(false);
  });

  it('requires the cluster and the reader secret for the Data API, naming what is missing', () => {
    expect(() => parseOpsReaderEnv({ ...base, OPS_DATABASE: 'data-api' })).toThrow(
      new ConfigError('Invalid configuration: DATA_API_RESOURCE_ARN, DATA_API_SECRET_ARN required when OPS_DATABASE=data-api', []),
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
