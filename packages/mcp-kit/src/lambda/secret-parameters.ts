import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../errors/errors';

/** Keys that never sit in a Lambda's environment on AWS: each is read from the SecureString named by `<KEY>_PARAMETER`. */
export const SECRET_VARIABLES = ['AUDIT_HMAC_KEY', 'APPROVAL_HMAC_KEY', 'EDGE_SECRET'] as const;

type EnvSource = Record<string, string | undefined>;

/** What a cold start read from SSM in one call: the environment with its secrets filled, and the governance parameters found. */
export interface StartupParameters {
  env: EnvSource;
  /** The allowlist's and the call policies' parameters (GOVERNANCE_SOURCE=ssm), by name, when they exist. */
  governance: ReadonlyMap<string, string>;
}

/**
 * Returns `source` with each secret variable filled from its SSM SecureString parameter
 * (one GetParameters call, decrypted). A value already present is kept, so local runs
 * and tests can pass keys directly. A named parameter that does not exist stops the start.
 */
export async function withSecretParameters(source: EnvSource, ssm: () => SSMClient): Promise<EnvSource> {
  return (await readStartupParameters(source, ssm)).env;
}

/**
 * Reads the secrets as {@link withSecretParameters} does and, in the same GetParameters call,
 * the allowlist and the call policies when they come from SSM, so that a cold start makes one
 * SSM round trip instead of three. A governance parameter that does not exist is left to its
 * source, which reports it (the allowlist) or treats it as none (the call policies).
 */
export async function readStartupParameters(source: EnvSource, ssm: () => SSMClient): Promise<StartupParameters> {
  const wanted = SECRET_VARIABLES.flatMap((variable) => {
    const parameter = source[`${variable}_PARAMETER`];
    return parameter && !source[variable] ? [{ variable, parameter }] : [];
  });
  const governance = source.GOVERNANCE_SOURCE === 'ssm' ? [source.GOVERNANCE_SSM_PARAMETER, source.CALL_POLICIES_SSM_PARAMETER].filter((name): name is string => Boolean(name)) : [];
  if (wanted.length === 0 && governance.length === 0) return { env: source, governance: new Map() };
  const names = [...new Set([...wanted.map((entry) => entry.parameter), ...governance])];
  const output = await ssm().send(new GetParametersCommand({ Names: names, WithDecryption: true }));
  const missing = (output.InvalidParameters ?? []).filter((name) => wanted.some((entry) => entry.parameter === name));
  if (missing.length) {
    const variables = wanted.filter((entry) => missing.includes(entry.parameter)).map((entry) => `${entry.variable}_PARAMETER`);
    throw new ConfigError(`Invalid configuration: SSM parameters not found: ${missing.join(', ')}`, variables);
  }
  const values = new Map((output.Parameters ?? []).flatMap((parameter) => (parameter.Name && parameter.Value !== undefined ? [[parameter.Name, parameter.Value] as const] : [])));
  return {
    env: wanted.length === 0 ? source : { ...source, ...Object.fromEntries(wanted.map((entry) => [entry.variable, values.get(entry.parameter)])) },
    governance: new Map(governance.flatMap((name) => (values.has(name) ? [[name, values.get(name)!] as const] : []))),
  };
}
