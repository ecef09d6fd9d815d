/// <reference path="../../.sst/platform/config.d.ts" />
import type { Plan, PlannedAlarm } from './plan';

/** The approvers' topic and the alarm topic, with the stage's e-mail subscriptions. */
export function notificationTopics(plan: Plan) {
  const { config, names } = plan;
  const approverTopic = new aws.sns.Topic('ApproverTopic', { name: names.approverTopic });
  config.approvals.approverEmails.forEach((email, index) => new aws.sns.TopicSubscription(`ApproverEmail${index}`, { topic: approverTopic.arn, protocol: 'email', endpoint: email }));
  const alarmTopic = new aws.sns.Topic('AlarmTopic', { name: names.alarmTopic });
  config.alarms.emails.forEach((email, index) => new aws.sns.TopicSubscription(`AlarmEmail${index}`, { topic: alarmTopic.arn, protocol: 'email', endpoint: email }));
  return { approverTopic, alarmTopic };
}

/** A CloudWatch alarm of the plan, notifying the stage's alarm topic when it fires and when it clears. */
export function metricAlarm(id: string, alarm: PlannedAlarm, alarmTopic: aws.sns.Topic): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(id, {
    name: alarm.name,
    alarmDescription: alarm.description,
    namespace: alarm.namespace,
    metricName: alarm.metricName,
    dimensions: alarm.dimensions,
    statistic: alarm.statistic,
    period: alarm.periodSeconds,
    evaluationPeriods: alarm.evaluationPeriods,
    threshold: alarm.threshold,
    comparisonOperator: alarm.comparisonOperator,
    treatMissingData: alarm.treatMissingData,
    alarmActions: [alarmTopic.arn],
    okActions: [alarmTopic.arn],
  });
}
