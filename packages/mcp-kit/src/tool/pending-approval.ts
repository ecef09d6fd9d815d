import { z } from 'zod';

/** What a high-risk tool answers at once; its wire output schema. */
export const PendingApprovalOutput = z.object({
  status: z.literal('pending_approval'),
  approval_id: z.string().describe('pass to get_request_status'),
  expires_at: z.string().describe('an approver must decide before this time'),
  message: z.string(),
});
