import { deriveAnnotations, RISK_LEVELS, type RiskLevel } from './define-tool';
import { pendingApprovalWireSchema, type RegisteredTool } from './tool-set';

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
