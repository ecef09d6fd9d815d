import { reportApprovalBacklog } from '../approvals/approval-backlog';
import { createDynamoDbApprovalStore } from '../approvals/dynamodb-approval-store';
import { createDynamoDbClient } from '../aws/clients';
import { parseEnv, ServiceEnvSchema } from '../config/env';
import { createEmfMetrics } from '../metrics/emf-metrics';
import { createMemoryMetrics } from '../metrics/memory-metrics';
import { once } from './once';

const BacklogEnv = ServiceEnvSchema.pick({ APPROVAL_TABLE: true, METRICS: true, METRICS_NAMESPACE: true, AWS_REGION: true, DYNAMODB_ENDPOINT: true });

/**
 * The scheduled task that reports the approval backlog's age. It needs only the approval
 * table (read) and the log: it does not build the server, so its role holds nothing else.
 */
export function approvalBacklogHandler(server: string, env: Record<string, string | undefined> = process.env) {
  const setup = once(async () => {
    const parsed = parseEnv(BacklogEnv, env);
    const store = createDynamoDbApprovalStore(createDynamoDbClient({ region: parsed.AWS_REGION, endpoint: parsed.DYNAMODB_ENDPOINT }), parsed.APPROVAL_TABLE);
    const metrics = parsed.METRICS === 'emf' ? createEmfMetrics(parsed.METRICS_NAMESPACE, server) : createMemoryMetrics();
    return { store, metrics };
  });
  return async () => {
    const { store, metrics } = await setup();
    return reportApprovalBacklog(store, metrics, server);
  };
}
