import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig, type AwsClientOptions } from '../aws/clients';
import type { Logger } from '../logging/logger';
import type { ApprovalRequest } from './approval-request';

/** Tells approvers that a request waits for them. */
export interface ApproverNotifier {
  notify(request: ApprovalRequest): Promise<void>;
}

/**
 * What approvers are told: which tool, on which server, for whom, until when, and how to see
 * the details. Never the arguments: a notification travels to mail and chat systems; the
 * arguments are read through the authenticated approval API.
 */
export function notificationOf(request: ApprovalRequest): { subject: string; message: string } {
  return {
    subject: `Approval needed: ${request.tool} on ${request.server}`.slice(0, 100),
    message: [
      `${request.requester} asks to run ${request.tool} on ${request.server}.`,
      `Approval id: ${request.approval_id}`,
      `Decide before: ${request.expires_at}`,
      `Details: GET /approvals/${request.approval_id} on the ${request.server} server (scope approvals:decide),`,
      `or locally: npm run approvals -- show ${request.approval_id}`,
    ].join('\n'),
  };
}

/** Approvers subscribe to an SNS topic (mail, chat, paging). */
export function createSnsApproverNotifier(options: { client: SNSClient; topicArn: string }): ApproverNotifier {
  return {
    async notify(request) {
      const { subject, message } = notificationOf(request);
      await options.client.send(
        new PublishCommand({
          TopicArn: options.topicArn,
          Subject: subject,
          Message: message,
          MessageAttributes: {
            approval_id: { DataType: 'String', StringValue: request.approval_id },
            server: { DataType: 'String', StringValue: request.server },
            tool: { DataType: 'String', StringValue: request.tool },
          },
        }),
      );
    },
  };
}

export function createSnsClient(options: AwsClientOptions): SNSClient {
  return new SNSClient({ ...awsClientConfig(options), maxAttempts: 3 });
}

/** Local mode: the notification goes to the server's log (and `npm run approvals -- list` shows it). */
export function createLogApproverNotifier(logger: Logger): ApproverNotifier {
  return {
    notify: async (request) => {
      const { subject, message } = notificationOf(request);
      logger.info(subject, { approvalId: request.approval_id, notification: message });
    },
  };
}
