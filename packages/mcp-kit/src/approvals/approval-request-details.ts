import type { ChangedField, RiskLevel } from '../tool/define-tool';

/** What an approver reads beside a request's arguments (the approval API's `details`). */
export interface ApprovalRequestDetails {
  /** The tool as this server serves it now; null when it no longer does. */
  tool: { title: string; description: string; risk: RiskLevel; owner: string; definition_hash: string } | null;
  /** The definition the request was made against (the approved call runs only if it is still served). */
  requested_definition_hash: string | null;
  definition_changed: boolean;
  /** While pending: what the call would change, read now through the tool's precheck (empty when it says nothing). */
  changes: readonly ChangedField[] | null;
  /** While pending: why the call would fail if it ran now (the precheck's refusal), or null. */
  would_fail: string | null;
}
