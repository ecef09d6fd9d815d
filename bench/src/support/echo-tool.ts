import { defineTool } from '@gmcp/mcp-kit/platform';
import { EchoInput, EchoOutput } from './echo-schemas';

/** The trivial tool every benchmark measures, so that only the serving path differs. */
export function echoTool(onRun: () => void = () => undefined) {
  return defineTool({
    name: 'echo',
    title: 'Echo',
    description: 'Echoes a message',
    owner: 'platform',
    scope: 'bench:read',
    risk: 'low',
    access: 'read',
    classification: 'public',
    input: EchoInput,
    output: EchoOutput,
    handler: async ({ message }) => {
      onRun();
      return { message };
    },
  });
}
