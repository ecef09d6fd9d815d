/**
 * What the standalone audit export verifier bundles (`@gmcp/mcp-kit/audit-verifier`): the
 * digest chain check and the export format, and nothing that needs a cloud SDK, so that an
 * auditor's copy stays a few kilobytes with no dependency.
 */
export { verifyAuditDigests } from './audit/digests/digest-core';
export { formatReport, parseExport } from './audit/digests/digest-export';
