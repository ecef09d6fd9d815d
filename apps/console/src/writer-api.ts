import { z } from 'zod';
import { queryString } from './html';

/** A request as the writer's approval API shows it. */
export const ApprovalView = z.object({
  approval_id: z.string(),
  tool: z.string(),
  /** approval: a second person decides; confirmation: the requester confirms their own change. */
  kind: z.enum(['approval', 'confirmation']).default('approval'),
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
  /** In lists: the server it runs on, and its risk (approvals high, confirmations medium). */
  server: z.string().optional(),
  risk: z.string().optional(),
  /** On one request: what the signed-in user may do with it (the writer's own rules, so the page offers exactly what it will take). */
  viewer: z.object({ own: z.boolean(), may_confirm: z.boolean(), may_decide: z.boolean() }).optional(),
  /** On one request: the tool as served now and, while pending, what the call would change. */
  details: z
    .object({
      tool: z.object({ title: z.string(), description: z.string(), risk: z.string(), owner: z.string(), definition_hash: z.string() }).nullable(),
      requested_definition_hash: z.string().nullable(),
      definition_changed: z.boolean(),
      changes: z.array(z.object({ field: z.string(), current: z.string().nullable(), proposed: z.string().nullable() })).nullable(),
      would_fail: z.string().nullable(),
    })
    .optional(),
});
export type ApprovalView = z.output<typeof ApprovalView>;

/** A page of requests and where the next one starts. */
export const ApprovalPage = z.object({ approvals: z.array(ApprovalView), next: z.string().nullable().default(null) });
export type ApprovalPage = z.output<typeof ApprovalPage>;

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
    /** Pending approvals (not confirmations, which are their requesters' own) for approvers, newest first, 100 a page, narrowed on the writer. */
    pending: async (token: string, filters: { tool?: string; requester?: string; after?: string } = {}) =>
      ApprovalPage.parse(await call(token, 'GET', `?${pageQuery({ status: 'pending', kind: 'approval', ...filters })}`)),
    /** The signed-in user's own requests, of any status, newest first. */
    mine: async (token: string, after?: string) => ApprovalPage.parse(await call(token, 'GET', `?${pageQuery({ mine: 'true', after })}`)),
    get: async (token: string, approvalId: string) => ApprovalView.parse(await call(token, 'GET', `/${encodeURIComponent(approvalId)}`)),
    decide: async (token: string, approvalId: string, decision: { decision: 'approve' | 'reject'; reason?: string }) =>
      ApprovalView.parse(await call(token, 'POST', `/${encodeURIComponent(approvalId)}/decision`, decision)),
  };
}
export type WriterApi = ReturnType<typeof createWriterApi>;

const pageQuery = (query: Record<string, string | undefined>) => queryString({ ...query, limit: '100' });
