import type { RegisteredTool } from '../tool/tool-set';

/** Where a tool's governance fields travel in `tools/list` (`_meta`). */
export const GOVERNANCE_META_KEY = 'dev.gmcp/governance';

/** A tool as `tools/list` shows it: its wire schemas, annotations, and its owner, scope, risk, access and classification. */
export function toWireTool<Deps>({ definition, inputJsonSchema, outputJsonSchema }: RegisteredTool<Deps>) {
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: inputJsonSchema as { type: 'object' },
    outputSchema: outputJsonSchema as { type: 'object' },
    annotations: definition.annotations,
    _meta: {
      [GOVERNANCE_META_KEY]: {
        owner: definition.owner,
        scope: definition.scope,
        risk: definition.risk,
        access: definition.access,
        classification: definition.classification,
      },
    },
  };
}
