import { readFile } from 'node:fs/promises';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** Where a server's governance policy text comes from. */
export interface PolicySource {
  readonly description: string;
  read(): Promise<string>;
}

/** Local development: a JSON file. */
export function filePolicySource(path: string): PolicySource {
  return { description: `file ${path}`, read: () => readFile(path, 'utf8') };
}

/** AWS: an SSM Parameter Store parameter (String or SecureString) holding the JSON. */
export function ssmPolicySource(client: SSMClient, name: string): PolicySource {
  return {
    description: `SSM parameter ${name}`,
    async read() {
      const output = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      const value = output.Parameter?.Value;
      if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
      return value;
    },
  };
}
