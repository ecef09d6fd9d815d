import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../errors/errors';

/** Keys that never sit in a Lambda's environment on AWS: each is read from the SecureString named by `<KEY>_PARAMETER`. */
export const SECRET_VARIABLES = ['AUDIT_HMAC_KEY', 'APPROVAL_HMAC_KEY', 'EDGE_SECRET'] as const;

type EnvSource = Record<string, string | undefined>;

/**
 * Returns `source` with each secret variable filled from its SSM SecureString parameter
 * (one GetParameters call, decrypted). A value already present is kept, so local runs
 * and tests can pass keys directly. A named parameter that does not exist stops the start.
 */
export async function withSecretParameters(source: EnvSource, ssm: () => SSMClient): Promise<EnvSource> {
  const wanted = SECRET_VARIABLES.flatMap((variable) => {
    const parameter = source[`${variable}_PARAMETER`];
    return parameter && !source[variable] ? [{ variable, parameter }] : [];
  });
  if (wanted.length === 0) return source;
  const output = await ssm().send(new GetParametersCommand({ Names: wanted.map((entry) => entry.parameter), WithDecryption: true }));
  const missing = output.InvalidParameters ?? [];
  if (missing.length) {
    const variables = wanted.filter((entry) => missing.includes(entry.parameter)).map((entry) => `${entry.variable}_PARAMETER`);
    throw new ConfigError(`Invalid configuration: SSM parameters not found: ${missing.join(', ')}`, variables);
  }
  const values = new Map((output.Parameters ?? []).map((parameter) => [parameter.Name, parameter.Value]));
  return { ...source, ...Object.fromEntries(wanted.map((entry) => [entry.variable, values.get(entry.parameter)])) };
}
