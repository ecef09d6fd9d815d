import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig, type AwsClientOptions } from '../aws/clients';
import { notificationOf, type ApproverNotifier } from './approver-notifier';

/** Approvers subscribe to an SNS topic (mail, chat, paging). */
export function createSnsApproverNotifier(options: { client: SNSClient; topicArn: string; consoleUrl?: string }): ApproverNotifier {
  return {
    async notify(request) {
      const { subject, message } = notificationOf(request, options.consoleUrl);
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
