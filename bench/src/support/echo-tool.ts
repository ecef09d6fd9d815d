import { z } from 'zod';
import { defineTool } from '@gmcp/mcp-kit/platform';

export const EchoInput = z.object({ message: z.string().max(100) });
export const EchoOutput = z.object({ message: z.string() });

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
