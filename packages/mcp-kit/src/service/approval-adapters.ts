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
import type { Logger } from '../logging/logger';

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
  const notifier = env.APPROVAL_TOPIC_ARN ? snsNotifier(env, env.APPROVAL_TOPIC_ARN) : createLogApproverNotifier(logger, env.APPROVAL_CONSOLE_URL);
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

/**
 * SNS, loaded and built when approvers are first told of a request: most cold starts serve
 * calls that need no approval, and the SNS client is not part of their load.
 */
function snsNotifier(env: ServiceEnv, topicArn: string): ApproverNotifier {
  const loaded = onFirstUse(async () => {
    const { createSnsApproverNotifier, createSnsClient } = await import('../approvals/sns-approver-notifier');
    return createSnsApproverNotifier({ client: createSnsClient({ region: env.AWS_REGION, endpoint: env.SNS_ENDPOINT }), topicArn, consoleUrl: env.APPROVAL_CONSOLE_URL });
  });
  return { notify: async (request) => (await loaded()).notify(request) };
}

/**
 * On AWS the state machine runs the approved call through the executor task, not this
 * process. Step Functions is loaded when a workflow is first started or resumed (see snsNotifier).
 */
function stepFunctionsWorkflow(env: ServiceEnv): ApprovalAdapters['workflow'] {
  const stateMachineArn = env.APPROVAL_STATE_MACHINE_ARN;
  if (!stateMachineArn) {
    throw new ConfigError('Invalid configuration: APPROVAL_STATE_MACHINE_ARN is required when APPROVAL_WORKFLOW=stepfunctions', ['APPROVAL_STATE_MACHINE_ARN']);
  }
  const loaded = onFirstUse(async () => {
    const { createStepFunctionsClient, createStepFunctionsWorkflow } = await import('../approvals/step-functions-workflow');
    return createStepFunctionsWorkflow({ client: createStepFunctionsClient({ region: env.AWS_REGION, endpoint: env.SFN_ENDPOINT }), stateMachineArn });
  });
  const workflow: ApprovalWorkflow = {
    start: async (request) => (await loaded()).start(request),
    deliver: async (decision, taskToken) => (await loaded()).deliver(decision, taskToken),
  };
  return () => workflow;
}

/** Builds an adapter once, on first use, and shares it with every later caller. */
function onFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => (built ??= build());
}
