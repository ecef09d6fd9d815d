import { z } from 'zod';

/** A request as the writer's approval API shows it. */
export const ApprovalView = z.object({
  approval_id: z.string(),
  tool: z.string(),
  status: z.string(),
  tampered: z.string().nullable().optional(),
  requester: z.string(),
  requested_at: z.string(),
  expires_at: z.string(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  reason: z.string().nullable(),
  executed_at: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  arguments: z.unknown().optional(),
});
export type ApprovalView = z.output<typeof ApprovalView>;

/** The writer refused: its status and its words, shown to the user as they are. */
export class WriterRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The writer's approval API, called with the signed-in user's own token: every check (scope,
 * approver client, four-eyes, signatures, expiry, tampering) and every audit record stays the
 * writer's; the console decides nothing itself.
 */
export function createWriterApi(writerUrl: string, fetchImpl: typeof fetch = fetch) {
  const call = async (token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const response = await fetchImpl(new URL(`/approvals${path}`, writerUrl), {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const payload = (await response.json().catch(() => ({}))) as { error_description?: string; error?: string };
    if (!response.ok) throw new WriterRefusal(response.status, payload.error_description ?? payload.error ?? `The writer answered ${response.status}`);
    return payload;
  };
  return {
    pending: async (token: string) => z.object({ approvals: z.array(ApprovalView) }).parse(await call(token, 'GET', '?status=pending&limit=100')).approvals,
    get: async (token: string, approvalId: string) => ApprovalView.parse(await call(token, 'GET', `/${encodeURIComponent(approvalId)}`)),
    decide: async (token: string, approvalId: string, decision: { decision: 'approve' | 'reject'; reason?: string }) =>
      ApprovalView.parse(await call(token, 'POST', `/${encodeURIComponent(approvalId)}/decision`, decision)),
  };
}
export type WriterApi = ReturnType<typeof createWriterApi>;
