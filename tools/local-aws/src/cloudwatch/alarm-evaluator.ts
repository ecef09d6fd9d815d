import type { MetricQuery, MetricStore } from './metric-store';

/** A metric alarm in the terms of CloudWatch's PutMetricAlarm (the subset the platform uses). */
export interface MetricAlarmDefinition extends MetricQuery {
  name: string;
  statistic: 'Sum' | 'Maximum' | 'Minimum' | 'Average' | 'SampleCount';
  periodSeconds: number;
  evaluationPeriods: number;
  /** How many of the evaluated periods must breach; the evaluation periods when absent. */
  datapointsToAlarm?: number;
  threshold: number;
  comparisonOperator: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
  /** `ignore` (keep the current state) needs the alarm's history, which one evaluation does not have. */
  treatMissingData: 'breaching' | 'notBreaching' | 'missing';
}

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface PeriodEvaluation {
  /** The period's end, milliseconds since the epoch. */
  end: number;
  /** The statistic over the period's data points; undefined for a period with none. */
  value: number | undefined;
  breaching: boolean;
}

export interface AlarmEvaluation {
  name: string;
  state: AlarmStateValue;
  /** Oldest first. */
  periods: PeriodEvaluation[];
}

/**
 * Evaluates one alarm at `at` as CloudWatch does: the statistic of each of the last
 * `evaluationPeriods` periods (the newest ending at `at`), each compared with the threshold or,
 * when it has no data point, treated as `treatMissingData` says; ALARM when at least
 * `datapointsToAlarm` of them breach. CloudWatch reads a somewhat longer range for sparse
 * metrics; on loopback, where points arrive at once, the periods themselves are that range.
 */
export function evaluateAlarm(alarm: MetricAlarmDefinition, metrics: MetricStore, at: number): AlarmEvaluation {
  const periodMs = alarm.periodSeconds * 1000;
  const periods = Array.from({ length: alarm.evaluationPeriods }, (_, index) => {
    const end = at - (alarm.evaluationPeriods - 1 - index) * periodMs;
    const value = statistic(alarm.statistic, metrics.values(alarm, end - periodMs, end));
    return { end, value, breaching: value === undefined ? alarm.treatMissingData === 'breaching' : breaches(alarm, value) };
  });
  const missing = periods.filter((period) => period.value === undefined).length;
  if (alarm.treatMissingData === 'missing' && missing === periods.length) return { name: alarm.name, state: 'INSUFFICIENT_DATA', periods };
  const breached = periods.filter((period) => period.breaching).length;
  return { name: alarm.name, state: breached >= (alarm.datapointsToAlarm ?? alarm.evaluationPeriods) ? 'ALARM' : 'OK', periods };
}

function statistic(kind: MetricAlarmDefinition['statistic'], values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  switch (kind) {
    case 'Sum':
      return values.reduce((total, value) => total + value, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Average':
      return values.reduce((total, value) => total + value, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}

function breaches(alarm: MetricAlarmDefinition, value: number): boolean {
  switch (alarm.comparisonOperator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.threshold;
    case 'GreaterThanThreshold':
      return value > alarm.threshold;
    case 'LessThanThreshold':
      return value < alarm.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= alarm.threshold;
  }
}
