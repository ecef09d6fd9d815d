import type { Metrics } from '../metrics/metrics';
import { METRIC } from '../metrics/metrics';
import type { ApprovalStore } from './approval-store';

/**
 * Reports how long the oldest pending approval has waited (0 when none waits), so that an
 * alarm fires before requests expire unseen. Reported on every run, so that silence means
 * the reporter itself stopped.
 */
export async function reportApprovalBacklog(store: Pick<ApprovalStore, 'list'>, metrics: Metrics, server: string, now: Date = new Date()) {
  const [oldest] = await store.list({ status: 'pending', limit: 1, oldestFirst: true });
  const ageSeconds = oldest ? Math.max(0, Math.round((now.getTime() - Date.parse(oldest.requested_at)) / 1000)) : 0;
  metrics.gauge(METRIC.approvalBacklogAge, ageSeconds, { server });
  return { oldest_approval_id: oldest?.approval_id ?? null, age_seconds: ageSeconds };
}
