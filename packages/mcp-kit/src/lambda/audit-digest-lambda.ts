import { auditDigestHandler } from './audit-digest-handler';

/** Lambda entry of the scheduled audit digest (its own bundle, `audit-digest`). */
export const handler = auditDigestHandler();
