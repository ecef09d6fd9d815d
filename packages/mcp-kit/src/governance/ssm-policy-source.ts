import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { PolicySource } from './policy-source';

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
