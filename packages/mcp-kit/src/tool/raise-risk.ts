import { deriveAnnotations, RISK_LEVELS, type RiskLevel } from './define-tool';
import { pendingApprovalWireSchema, type RegisteredTool } from './tool-set';

/**
 * The tool as served when a call policy may send some of its calls to approval: its output
 * schema admits either its own output or the pending approval those calls answer with.
 */
export function withPossibleApproval<Deps>(tool: RegisteredTool<Deps>): RegisteredTool<Deps> {
  if (tool.definition.risk === 'high') return tool;
  return { ...tool, outputJsonSchema: { type: 'object', anyOf: [tool.outputJsonSchema, pendingApprovalWireSchema()] } };
}

/**
 * The tool as this deployment serves it: with its risk raised when the governance policy
 * says so (never lowered), and the annotations and wire output schema that follow from it.
 */
export function withPolicyRisk<Deps>(tool: RegisteredTool<Deps>, raisedTo: RiskLevel | undefined): RegisteredTool<Deps> {
  if (!raisedTo || RISK_LEVELS.indexOf(raisedTo) <= RISK_LEVELS.indexOf(tool.definition.risk)) return tool;
  const definition = { ...tool.definition, risk: raisedTo };
  return {
    ...tool,
    definition: { ...definition, annotations: deriveAnnotations(definition) },
    outputJsonSchema: raisedTo === 'high' ? pendingApprovalWireSchema() : tool.outputJsonSchema,
  };
}
