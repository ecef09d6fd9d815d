import { approvalStateMachineDefinition } from '@gmcp/mcp-kit/platform';
import { arns, resourceNames } from './names';
import { approvalServer } from './servers';
import type { StageConfig } from './stage-config';

/**
 * The approval workflow of the stage (Step Functions Standard). Its wait times out after
 * exactly the approval TTL the writer signs into each request, from the same stage value.
 */
export function approvalStateMachine(config: Pick<StageConfig, 'stage' | 'account' | 'region' | 'approvals'>) {
  const names = resourceNames(config);
  const arn = arns(config);
  return {
    name: names.stateMachine,
    type: 'STANDARD' as const,
    definition: approvalStateMachineDefinition({
      notifierFunctionArn: arn.function(names.function(approvalServer(), 'approval-notifier')),
      executorFunctionArn: arn.function(names.function(approvalServer(), 'approval-executor')),
      approvalsTableName: names.approvalsTable,
      decisionTimeoutSeconds: config.approvals.ttlSeconds,
    }),
  };
}
