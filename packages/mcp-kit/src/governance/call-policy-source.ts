import { readFile } from 'node:fs/promises';
import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';

/**
 * Where a server's call policies (Cedar text) come from, beside its allowlist: a file locally,
 * an SSM parameter on AWS. `undefined` means the server has none (every call keeps the
 * allowlist's decision alone); a source that cannot be read rejects (the caller fails closed).
 */
export interface CallPolicySource {
  readonly description: string;
  read(): Promise<string | undefined>;
}

/** Local development: `config/governance/<server>.cedar`, beside the allowlist. */
export function fileCallPolicySource(path: string): CallPolicySource {
  return {
    description: path,
    read: () =>
      readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      }),
  };
}

/** AWS: an SSM parameter holding the Cedar text; a parameter that does not exist means no call policies. */
export function ssmCallPolicySource(client: SSMClient, name: string): CallPolicySource {
  return {
    description: `SSM parameter ${name}`,
    async read() {
      try {
        const output = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        return output.Parameter?.Value;
      } catch (error) {
        if (error instanceof ParameterNotFound) return undefined;
        throw error;
      }
    },
  };
}

/** The call policies file beside an allowlist file: `ops-writer.json` → `ops-writer.cedar`. */
export function callPoliciesFileBeside(allowlistFile: string): string {
  return allowlistFile.replace(/(\.json)?$/, '.cedar');
}
