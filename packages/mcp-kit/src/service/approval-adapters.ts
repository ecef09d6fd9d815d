import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ServiceEnv } from '../config/env';
import { ConfigError } from '../errors/errors';
import { createDecisionSigner, type DecisionSigner } from '../approvals/approval-signer';
import type { ApprovalStore } from '../approvals/approval-store';
import type { ApprovalWorkflow } from '../approvals/approval-workflow';
import { createDynamoDbApprovalStore } from '../approvals/dynamodb-approval-store';
import { createLocalWorkflow } from '../approvals/local-workflow';
import { type ApproverNotifier } from '../approvals/approver-notifier';
import { createLogApproverNotifier } from '../approvals/log-approver-notifier';
import { createSnsApproverNotifier, createSnsClient } from '../approvals/sns-approver-notifier';
import type { Logger } from '../logging/logger';
import { createStepFunctionsClient, createStepFunctionsWorkflow } from '../approvals/step-functions-workflow';

/** The approval ports of a server with high-risk tools, chosen by configuration. */
export interface ApprovalAdapters {
  store: ApprovalStore;
  signer: DecisionSigner;
  ttlSeconds: number;
  /** The workflow, given how to run an approved request in this process (local mode and the executor task). */
  workflow(runApproved: (approvalId: string) => Promise<unknown>): ApprovalWorkflow;
  /** How approvers hear of a request: SNS with APPROVAL_TOPIC_ARN, the log otherwise. */
  notifier: ApproverNotifier;
  /** The OAuth clients decisions may come through; any when undefined. */
  approverClientIds?: readonly string[];
}

/** Undefined when no approval key is configured: then a server with a high-risk tool refuses to start. */
export function createApprovalAdapters(env: ServiceEnv, dynamodb: DynamoDBClient, logger: Logger): ApprovalAdapters | undefined {
  if (!env.APPROVAL_HMAC_KEY) return undefined;
  if (env.APPROVAL_HMAC_KEY === env.AUDIT_HMAC_KEY) {
    throw new ConfigError('Invalid configuration: APPROVAL_HMAC_KEY must differ from AUDIT_HMAC_KEY', ['APPROVAL_HMAC_KEY']);
  }
  const notifier = env.APPROVAL_TOPIC_ARN
    ? createSnsApproverNotifier({ client: createSnsClient({ region: env.AWS_REGION, endpoint: env.SNS_ENDPOINT }), topicArn: env.APPROVAL_TOPIC_ARN, consoleUrl: env.APPROVAL_CONSOLE_URL })
    : createLogApproverNotifier(logger, env.APPROVAL_CONSOLE_URL);
  return {
    store: createDynamoDbApprovalStore(dynamodb, env.APPROVAL_TABLE),
    signer: createDecisionSigner(Buffer.from(env.APPROVAL_HMAC_KEY, 'base64')),
    ttlSeconds: env.APPROVAL_TTL_SECONDS,
    // On Step Functions the notifier task tells the approvers (runNotifierTask).
    workflow: env.APPROVAL_WORKFLOW === 'stepfunctions' ? stepFunctionsWorkflow(env) : (runApproved) => createLocalWorkflow(runApproved, notifier),
    notifier,
    approverClientIds: env.APPROVER_CLIENT_IDS,
  };
}

/** On AWS the state machine runs the approved call through the executor task, not this process. */
function stepFunctionsWorkflow(env: ServiceEnv): ApprovalAdapters['workflow'] {
  if (!env.APPROVAL_STATE_MACHINE_ARN) {
    throw new ConfigError('Invalid configuration: APPROVAL_STATE_MACHINE_ARN is required when APPROVAL_WORKFLOW=stepfunctions', ['APPROVAL_STATE_MACHINE_ARN']);
  }
  const client = createStepFunctionsClient({ region: env.AWS_REGION, endpoint: env.SFN_ENDPOINT });
  return () => createStepFunctionsWorkflow({ client, stateMachineArn: env.APPROVAL_STATE_MACHINE_ARN! });
}
